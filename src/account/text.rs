//! The words of the signed-in area, apart from the public pages' catalogue so that the public
//! bundle does not carry them.

use crate::i18n::catalogue;

catalogue! {
    AccountMsg;
    AccountTitle => ("Your account", "アカウント"),
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
}

#[cfg(test)]
mod tests {
    use super::AccountMsg;

    #[test]
    fn every_message_exists_in_every_language() {
        crate::i18n::tests::check_catalogue(AccountMsg::ALL, &[]);
    }
}
