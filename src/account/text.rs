//! The words of the signed-in area, apart from the public pages' catalogue so that the public
//! bundle does not carry them.

use crate::i18n::catalogue;

catalogue! {
    AccountMsg;
    AccountTitle => ("Your account", "アカウント"),
    SignInsHeading => ("Sign-in activity", "ログイン履歴"),
    SignInsIntro => (
        "Every attempt to sign in to your account in the last 90 days. If you see one you did not make, change your password and turn on two-step verification.",
        "過去90日間にお客様のアカウントで行われたすべてのログインの試みです。お心当たりのないものがあれば、パスワードを変更し、2段階認証を設定してください。"
    ),
    NoSignIns => ("No sign-in attempts yet.", "ログインの記録はまだありません。"),
    ShowOlder => ("Show older attempts", "さらに前の記録を表示"),
    OutcomeSignedIn => ("Signed in", "ログイン成功"),
    OutcomeWrongPassword => ("Wrong password", "パスワードの誤り"),
    OutcomeWrongCode => ("Wrong code", "コードの誤り"),
    OutcomeDeviceCodeSent => ("New browser: code emailed", "新しいブラウザ：コードを送信"),
    OutcomeDeviceVerified => ("New browser verified", "新しいブラウザを確認"),
    OutcomeNotMe => ("Stopped from the email", "メールから中止"),
    MoneyTwoStepTitle => ("Turn on two-step verification first", "先に2段階認証を設定してください"),
    MoneyTwoStepExplain => (
        "Adding a card and topping up need a code from an authenticator app, so that someone who learns your password still cannot move your money. It takes a minute, and then you come straight back here.",
        "カードの登録とチャージには、認証アプリのコードが必要です。パスワードを知られても、お金を動かされないようにするためです。設定は1分ほどで終わり、そのままこの画面に戻ります。"
    ),
    MoneyTwoStepLink => ("Turn on two-step verification", "2段階認証を設定する"),
    // "This was not me", the link of the device-code mail (in this bundle: rarely opened, and
    // the sign-in page's first load is budgeted)
    NotMeTitle => ("Stop a sign-in", "ログインの中止"),
    NotMeEnding => ("Stopping the sign-in…", "ログインを中止しています…"),
    NotMeEndedBody => (
        "That sign-in is stopped: the code in the email no longer works. Whoever tried knows your password, so choose a new one now.",
        "そのログインを中止しました。メールに記載のコードはもう使えません。ログインしようとした人はお客様のパスワードを知っているため、今すぐ新しいパスワードを設定してください。"
    ),
    NotMeGoneBody => (
        "That sign-in has already ended. If it was not you, someone knows your password: choose a new one now.",
        "そのログインはすでに終了しています。お心当たりがない場合は、第三者がパスワードを知っています。今すぐ新しいパスワードを設定してください。"
    ),
    ChooseNewPassword => ("Choose a new password", "新しいパスワードを設定する"),

    Unverified => ("Not verified", "未確認"),
    Verified => ("Verified", "確認済み"),
    UnverifiedExplain => (
        "Confirm your address to top up, pay and receive password reset links. The link is in the email we sent you.",
        "チャージ、支払い、パスワード再設定のリンク受け取りには、メールアドレスの確認が必要です。お送りしたメールのリンクを開いてください。"
    ),
    ResendButton => ("Resend verification email", "確認メールを再送信"),
    Resending => ("Sending…", "送信しています…"),
    Resent => (
        "We have sent a new link. Check your inbox.",
        "新しいリンクをお送りしました。受信トレイをご確認ください。"
    ),
    DisplayNameTerm => ("Display name", "表示名"),
    MemberSince => ("Member since", "登録日"),
    SignOutButton => ("Sign out", "ログアウト"),
    SigningOut => ("Signing out…", "ログアウトしています…"),
    SessionsLink => ("Signed-in devices", "ログイン中のデバイス"),

    // Devices and sessions
    SessionsTitle => ("Devices and sessions", "デバイスとセッション"),
    SessionsIntro => (
        "These browsers and devices are signed in to your account. If you do not recognise one, sign it out and change your password.",
        "お客さまのアカウントにログインしているブラウザとデバイスです。心当たりのないものがあれば、ログアウトさせてからパスワードを変更してください。"
    ),
    DeviceName => ("{browser} on {os}", "{os}の{browser}"),
    UnknownBrowser => ("Unknown browser", "不明なブラウザ"),
    UnknownDevice => ("unknown device", "不明なデバイス"),
    ThisDevice => ("This device", "このデバイス"),
    IpAddressTerm => ("IP address", "IPアドレス"),
    SignedInAt => ("Signed in", "ログイン日時"),
    LastActive => ("Last active", "最終利用日時"),
    SignOutDevice => ("Sign out {device}", "{device}をログアウト"),
    SignOutOthers => ("Sign out all other devices", "ほかのすべてのデバイスをログアウト"),
    NoOtherDevices => ("No other devices are signed in.", "ほかにログインしているデバイスはありません。"),
    SignedOutDevice => ("Signed out {device}.", "{device}をログアウトしました。"),
    SignedOutOne => ("Signed out 1 device.", "1台のデバイスをログアウトしました。"),
    SignedOutCount => ("Signed out {count} devices.", "{count}台のデバイスをログアウトしました。"),
    SessionGone => (
        "That device was already signed out. The list is up to date now.",
        "そのデバイスはすでにログアウトしていました。一覧を最新の状態にしました。"
    ),
    BackToAccount => ("Back to your account", "アカウントへ戻る"),
    BackToWallet => ("Back to your wallet", "ウォレットへ戻る"),
    WalletLink => ("Wallet: balance, top-up and payments", "ウォレット（残高・チャージ・支払い）"),

    // Step-up
    StepUpTitle => ("Confirm it is you", "ご本人確認"),
    StepUpWithCode => (
        "Enter the code from your authenticator app, or a recovery code, to continue.",
        "続けるには、認証アプリのコードまたはリカバリーコードを入力してください。"
    ),
    StepUpWithPassword => ("Enter your password to continue.", "続けるには、パスワードを入力してください。"),
    ContinueButton => ("Continue", "続ける"),

    // Security and two-step verification
    SecurityLink => ("Security and two-step verification", "セキュリティと2段階認証"),
    SecurityTitle => ("Security", "セキュリティ"),
    TwoStepHeading => ("Two-step verification", "2段階認証"),
    TwoStepOn => ("On", "有効"),
    TwoStepOff => ("Off", "無効"),
    TwoStepExplain => (
        "With two-step verification, signing in needs a code from an app on your phone as well as your password, so a stolen password alone cannot open your wallet. Turning it on signs out every other device.",
        "2段階認証を有効にすると、ログインにはパスワードに加えてスマートフォンのアプリに表示されるコードが必要になります。パスワードが盗まれても、それだけではウォレットを開けません。有効にすると、ほかのすべてのデバイスはログアウトされます。"
    ),
    SetUpButton => ("Set up two-step verification", "2段階認証を設定する"),
    Starting => ("Starting…", "準備しています…"),
    EnrolHeading => ("Set up your authenticator app", "認証アプリの設定"),
    EnrolScan => (
        "Scan this QR code with an authenticator app, such as Google Authenticator, Microsoft Authenticator or 1Password.",
        "Google Authenticator、Microsoft Authenticator、1Password などの認証アプリで、このQRコードを読み取ってください。"
    ),
    QrLabel => ("QR code for your authenticator app", "認証アプリ用のQRコード"),
    EnrolKey => (
        "Cannot scan it? Enter this setup key in the app instead:",
        "読み取れない場合は、代わりにこの設定キーをアプリに入力してください:"
    ),
    OpenInApp => ("Open in an authenticator app on this device", "この端末の認証アプリで開く"),
    EnrolCode => ("Then enter the 6-digit code the app shows.", "次に、アプリに表示される6桁のコードを入力してください。"),
    TurnOnButton => ("Turn on", "有効にする"),
    TurningOn => ("Turning on…", "有効にしています…"),
    CancelButton => ("Cancel", "キャンセル"),
    CodesHeading => ("Save your recovery codes", "リカバリーコードを保存してください"),
    CodesExplain => (
        "If you lose your phone, each of these codes lets you in once. Keep them somewhere safe: they are shown only now.",
        "スマートフォンをなくしたときは、これらのコードでそれぞれ1回ログインできます。安全な場所に保管してください。表示されるのは今回だけです。"
    ),
    CodesListLabel => ("Recovery codes", "リカバリーコード"),
    DownloadCodes => ("Download codes", "コードをダウンロード"),
    PrintCodes => ("Print codes", "コードを印刷"),
    CodesSaved => ("I have saved my codes", "コードを保存しました"),
    CodesFileHeader => (
        "{service} recovery codes for {email}. Each code works once.",
        "{service}のリカバリーコード（{email}）。各コードは1回だけ使えます。"
    ),
    CodesLeft => ("Unused recovery codes: {count}", "未使用のリカバリーコード: {count}"),
    NewCodesButton => ("Get new recovery codes", "新しいリカバリーコードを発行"),
    NewCodesExplain => (
        "New codes replace all the old ones, used or not.",
        "新しいコードを発行すると、使用済みかどうかにかかわらず古いコードはすべて無効になります。"
    ),
    TurnOffHeading => ("Turn off two-step verification", "2段階認証を無効にする"),
    TurnOffExplain => (
        "Needs your password and a current code. Afterwards, a stolen password is enough to sign in. Every other device is signed out.",
        "パスワードと現在のコードが必要です。無効にすると、パスワードだけでログインできるようになります。ほかのすべてのデバイスはログアウトされます。"
    ),
    TurnOffButton => ("Turn off", "無効にする"),
    TurningOff => ("Turning off…", "無効にしています…"),
    TwoStepTurnedOn => ("Two-step verification is on.", "2段階認証を有効にしました。"),
    TwoStepTurnedOff => ("Two-step verification is off.", "2段階認証を無効にしました。"),

    // Change password
    PasswordLink => ("Change password", "パスワードを変更"),
    PasswordTitle => ("Change your password", "パスワードの変更"),
    CurrentPasswordLabel => ("Current password", "現在のパスワード"),
    NewPasswordLabel => ("New password", "新しいパスワード"),
    SavePassword => ("Change password", "パスワードを変更"),
    Saving => ("Saving…", "保存しています…"),
    PasswordChanged => (
        "Your password has been changed, and every other device has been signed out.",
        "パスワードを変更しました。ほかのすべてのデバイスはログアウトされました。"
    ),

    // Change email
    EmailLink => ("Change email address", "メールアドレスを変更"),
    EmailTitle => ("Change your email address", "メールアドレスの変更"),
    CurrentEmail => ("Current address", "現在のアドレス"),
    NewEmailLabel => ("New email address", "新しいメールアドレス"),
    SendConfirmation => ("Send confirmation link", "確認リンクを送信"),
    Sending => ("Sending…", "送信しています…"),
    EmailChangeSent => (
        "We have sent a link to {email}. Your address changes when you open it; until then, keep using the current one.",
        "{email} 宛てにリンクをお送りしました。リンクを開くとアドレスが変更されます。それまでは現在のアドレスをお使いください。"
    ),
    PendingEmail => ("Waiting for confirmation: {email}", "確認待ち: {email}"),
    EmailChangeSignsOut => (
        "When the change is made, every device except the browser where you open the link is signed out.",
        "変更が完了すると、リンクを開いたブラウザ以外のすべてのデバイスはログアウトされます。"
    ),
}

#[cfg(test)]
mod tests {
    use super::AccountMsg;

    #[test]
    fn every_message_exists_in_every_language() {
        crate::i18n::tests::check_catalogue(AccountMsg::ALL, &[]);
    }
}
