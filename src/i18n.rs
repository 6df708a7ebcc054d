//! Every word the page shows, in every language the portal speaks.
//!
//! Each entry carries all of its translations side by side, so an entry cannot exist in one
//! language only; the tests below check that none is empty, that the Japanese is Japanese, and that
//! every API error code and every zxcvbn key has an entry.

use portal_api::dto::Locale;
use portal_api::error::ErrorCode;

/// Text in every language the portal speaks. Each area of the app keeps its own catalogue so
/// that a bundle carries only the words of its own pages.
pub trait Text: Copy + Send + Sync + std::fmt::Debug + 'static {
    /// `{name}` placeholders are filled in by [`fill`].
    fn text(self, locale: Locale) -> &'static str;
}

/// Declares a catalogue: `catalogue! { Name; Key => ("English", "日本語"), ... }`.
macro_rules! catalogue {
    ($name:ident; $($key:ident => ($en:expr, $ja:expr),)*) => {
        /// A message of this catalogue; [`Text::text`](crate::i18n::Text::text) gives it in a
        /// language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($key,)* }

        impl $name {
            #[cfg(test)]
            pub const ALL: &'static [$name] = &[$($name::$key,)*];
        }

        impl $crate::i18n::Text for $name {
            fn text(self, locale: portal_api::dto::Locale) -> &'static str {
                use portal_api::dto::Locale;
                match (self, locale) {
                    $(($name::$key, Locale::En) => $en,
                      ($name::$key, Locale::Ja) => $ja,)*
                }
            }
        }
    };
}
pub(crate) use catalogue;

catalogue! {
    Msg;
    // Frame
    LanguageLabel => ("Language", "言語"),
    Loading => ("Loading…", "読み込み中…"),
    TryAgain => ("Try again", "再読み込み"),
    PageTitle => ("{page} – {service}", "{page} – {service}"),

    // Shared form words
    EmailLabel => ("Email address", "メールアドレス"),
    PasswordLabel => ("Password", "パスワード"),
    NetworkError => (
        "We could not reach the service. Check your connection and try again.",
        "サービスに接続できませんでした。通信環境をご確認のうえ、もう一度お試しください。"
    ),
    RetryAfterMinutes => (
        "You can try again in about {minutes} min.",
        "約{minutes}分後にもう一度お試しください。"
    ),

    // Sign in
    SignInTitle => ("Sign in", "ログイン"),
    SignInButton => ("Sign in", "ログイン"),
    SigningIn => ("Signing in…", "ログインしています…"),
    PasswordRequired => ("Enter your password.", "パスワードを入力してください。"),
    NewHere => ("New to {service}?", "{service}をはじめてご利用ですか？"),
    CreateAccountLink => ("Create an account", "アカウントを作成する"),
    ForgotPasswordLink => ("Forgot your password?", "パスワードをお忘れですか？"),

    // Second factor (sign-in, reset, step-up)
    SecondFactorTitle => ("Two-step verification", "2段階認証"),
    SecondFactorIntro => (
        "Enter the 6-digit code from your authenticator app. Without your phone, enter one of your recovery codes instead.",
        "認証アプリに表示されている6桁のコードを入力してください。スマートフォンがない場合は、リカバリーコードのいずれかを入力してください。"
    ),
    CodeLabel => ("Authentication code", "認証コード"),
    CodeHint => (
        "6 digits, or a recovery code like ABCDE-12345.",
        "6桁の数字、または ABCDE-12345 のようなリカバリーコード。"
    ),
    CodeRequired => ("Enter the code.", "コードを入力してください。"),
    VerifyButton => ("Verify", "確認する"),
    CheckingCode => ("Checking…", "確認しています…"),
    DeviceCodeTitle => ("Check your email", "メールをご確認ください"),
    DeviceCodeIntro => (
        "This browser is new to your account, so we have emailed a 6-digit code to your address. Enter it here within 10 minutes to finish signing in. Never tell it to anyone.",
        "このブラウザはお客様のアカウントで初めて使われるため、登録メールアドレスに6桁のコードをお送りしました。10分以内にここへ入力すると、ログインが完了します。このコードは誰にも教えないでください。"
    ),
    DeviceCodeLabel => ("Code from the email", "メールに記載のコード"),
    DeviceCodeHint => ("6 digits.", "6桁の数字。"),
    DeviceCodeWrong => (
        "That code is not right. Enter the 6 digits from the latest email, or start again for a new code.",
        "コードが正しくありません。最新のメールに記載の6桁の数字を入力するか、最初からやり直して新しいコードを受け取ってください。"
    ),
    StartAgain => ("Start again", "最初からやり直す"),

    // Forgotten password
    ForgotTitle => ("Reset your password", "パスワードの再設定"),
    ForgotIntro => (
        "Enter the email address of your account. We will send a link to choose a new password to that address, if it is confirmed.",
        "アカウントのメールアドレスを入力してください。確認済みのアドレスであれば、新しいパスワードを設定するためのリンクをお送りします。"
    ),
    SendLinkButton => ("Send link", "リンクを送信"),
    SendingLink => ("Sending…", "送信しています…"),
    ForgotSentBody => (
        "If {email} is the confirmed address of an account, a link to choose a new password is on its way. It works once, for 30 minutes.",
        "{email} が確認済みのアカウントのアドレスであれば、新しいパスワードを設定するためのリンクをお送りしました。リンクは30分間、1回だけ有効です。"
    ),
    ForgotSentSpam => (
        "Nothing after a few minutes? Look in your spam folder, or ask again.",
        "数分たっても届かない場合は、迷惑メールフォルダをご確認いただくか、もう一度お申し込みください。"
    ),

    // Reset password
    ResetTitle => ("Choose a new password", "新しいパスワードの設定"),
    NewPasswordLabel => ("New password", "新しいパスワード"),
    SavePasswordButton => ("Save new password", "新しいパスワードを保存"),
    Saving => ("Saving…", "保存しています…"),
    ResetNeedsCode => (
        "Your account has two-step verification: enter the code from your authenticator app, or a recovery code, as well.",
        "このアカウントでは2段階認証が有効です。認証アプリのコード、またはリカバリーコードもあわせて入力してください。"
    ),
    ResetDoneBody => (
        "Your password has been changed, and every device that was signed in has been signed out.",
        "パスワードを変更しました。ログインしていたすべてのデバイスはログアウトされました。"
    ),
    ResetLinkInvalid => (
        "This link is invalid, has expired or has already been used.",
        "このリンクは無効か、有効期限が切れているか、すでに使用されています。"
    ),
    RequestNewLink => ("Ask for a new link", "新しいリンクを申し込む"),

    // Confirming a new email address
    ConfirmEmailTitle => ("Confirm your new email address", "新しいメールアドレスの確認"),
    EmailChangedBody => (
        "Your email address has been changed. Sign in with the new address from now on.",
        "メールアドレスを変更しました。今後は新しいアドレスでログインしてください。"
    ),

    // Sign up
    SignUpTitle => ("Create your account", "アカウントを作成"),
    SignUpIntro => (
        "You will get an email with a link to confirm your address.",
        "登録後、メールアドレスを確認するためのリンクをメールでお送りします。"
    ),
    DisplayNameLabel => ("Display name (optional)", "表示名（任意）"),
    DisplayNameHint => (
        "How we address you on screen and in emails. You can leave it empty.",
        "画面やメールでのお呼びかけに使います。空欄のままでもかまいません。"
    ),
    NewPasswordHint => (
        "At least {min} characters. A few unrelated words together make a strong, memorable password.",
        "{min}文字以上で入力してください。関係のない単語をいくつか組み合わせると、覚えやすく強いパスワードになります。"
    ),
    CreateAccountButton => ("Create account", "アカウントを作成"),
    CreatingAccount => ("Creating account…", "アカウントを作成しています…"),
    HaveAccount => ("Already have an account?", "すでにアカウントをお持ちですか？"),
    SignInLink => ("Sign in", "ログイン"),
    CheckEmailTitle => ("Check your email", "メールをご確認ください"),
    CheckEmailBody => (
        "We have sent a message to {email}. Open the link in it to confirm your address, then sign in.",
        "{email} 宛てにメールをお送りしました。メール内のリンクを開いてアドレスを確認してから、ログインしてください。"
    ),
    CheckEmailSpam => (
        "Nothing after a few minutes? Look in your spam folder, or check the address and register again.",
        "数分たっても届かない場合は、迷惑メールフォルダをご確認いただくか、アドレスを確かめてもう一度登録してください。"
    ),

    // Strength meter
    StrengthLabel => ("Password strength", "パスワードの強度"),
    StrengthValue => ("Strength: {level}", "強度：{level}"),
    StrengthEmpty => ("Not rated yet", "未評価"),
    StrengthChecking => ("Checking…", "確認中…"),
    StrengthUnavailable => (
        "The strength check could not start in this browser. Your password will still be checked when you create the account.",
        "このブラウザでは強度チェックを開始できませんでした。アカウント作成時にあらためてパスワードを確認します。"
    ),
    StrengthFloor => (
        "Choose a password rated at least “Strong”.",
        "「強い」以上と判定されるパスワードを選んでください。"
    ),
    Score0 => ("Very weak", "とても弱い"),
    Score1 => ("Weak", "弱い"),
    Score2 => ("Fair", "やや弱い"),
    Score3 => ("Strong", "強い"),
    Score4 => ("Very strong", "とても強い"),

    // Breach check
    BreachedCount => (
        "This password appears {count} times in known data breaches. Attackers try such passwords first: please choose a different one.",
        "このパスワードは、過去のデータ漏えいで{count}回見つかっています。攻撃者はこうしたパスワードから試すため、別のパスワードを選んでください。"
    ),
    BreachedOnce => (
        "This password appears in a known data breach. Attackers try such passwords first: please choose a different one.",
        "このパスワードは、過去のデータ漏えいで見つかっています。攻撃者はこうしたパスワードから試すため、別のパスワードを選んでください。"
    ),

    // Verify email
    VerifyTitle => ("Confirm your email address", "メールアドレスの確認"),
    Verifying => ("Confirming your address…", "メールアドレスを確認しています…"),
    VerifiedBody => ("Your email address is confirmed. Thank you.", "メールアドレスの確認が完了しました。ありがとうございます。"),
    VerifyFailedBody => (
        "This link is invalid or has expired. Sign in and ask for a new link from your account page.",
        "このリンクは無効か、有効期限が切れています。ログインして、アカウントページから新しいリンクをお申し込みください。"
    ),
    GoToAccount => ("Go to your account", "アカウントへ進む"),

    // Not found
    NotFoundTitle => ("Page not found", "ページが見つかりません"),
    NotFoundBody => (
        "The address may be mistyped, or the page may have moved.",
        "アドレスが間違っているか、ページが移動した可能性があります。"
    ),
    GoHome => ("Go to the start page", "トップページへ戻る"),

    // API error codes
    ErrInvalidJson => (
        "The request could not be read. Please reload the page and try again.",
        "リクエストを読み取れませんでした。ページを再読み込みして、もう一度お試しください。"
    ),
    ErrUnsupportedMediaType => (
        "The request was sent in a form the service does not accept. Please reload the page.",
        "サービスが受け付けない形式でリクエストが送信されました。ページを再読み込みしてください。"
    ),
    ErrPayloadTooLarge => (
        "What you entered is too long to send.",
        "入力内容が長すぎるため送信できません。"
    ),
    ErrEmailInvalid => (
        "Enter an email address like name@example.com.",
        "name@example.com のような形式でメールアドレスを入力してください。"
    ),
    ErrEmailTooLong => (
        "This email address is too long.",
        "メールアドレスが長すぎます。"
    ),
    ErrPasswordTooShort => (
        "Use at least {min} characters.",
        "{min}文字以上で入力してください。"
    ),
    ErrPasswordTooLong => (
        "Use at most {max} characters.",
        "{max}文字以内で入力してください。"
    ),
    ErrPasswordWeak => (
        "This password is too easy to guess. Add another word or two.",
        "このパスワードは推測されやすすぎます。単語をもう一つ二つ加えてください。"
    ),
    ErrPasswordBreached => (
        "This password appears in known data breaches. Choose a different one.",
        "このパスワードは過去のデータ漏えいに含まれています。別のパスワードを選んでください。"
    ),
    ErrDisplayNameTooLong => (
        "Use at most {max} characters for the name.",
        "表示名は{max}文字以内で入力してください。"
    ),
    ErrDisplayNameInvalid => (
        "The name must be on one line, without line breaks or control characters.",
        "表示名は改行や制御文字を含まない1行で入力してください。"
    ),
    ErrInvalidCredentials => (
        "The email address or password is not correct.",
        "メールアドレスまたはパスワードが正しくありません。"
    ),
    ErrTooManyAttempts => (
        "Too many attempts. Please wait a little before trying again.",
        "試行回数が多すぎます。しばらく待ってから、もう一度お試しください。"
    ),
    ErrNotSignedIn => (
        "Please sign in to continue.",
        "続けるにはログインしてください。"
    ),
    ErrTokenInvalid => (
        "This link is invalid or has expired.",
        "このリンクは無効か、有効期限が切れています。"
    ),
    ErrStepUpRequired => (
        "For your security, confirm it is you before making this change.",
        "セキュリティのため、この変更の前に本人確認をしてください。"
    ),
    ErrCodeInvalid => (
        "That code is not right, or it has already been used. Enter the current code from your app, or an unused recovery code.",
        "コードが正しくないか、すでに使用されています。認証アプリに表示されている最新のコード、または未使用のリカバリーコードを入力してください。"
    ),
    ErrSecondFactorRequired => (
        "Enter the code from your authenticator app, or one of your recovery codes.",
        "認証アプリのコード、またはリカバリーコードを入力してください。"
    ),
    ErrSignInExpired => (
        "Your sign-in took too long. Please enter your email address and password again.",
        "ログインの有効期限が切れました。もう一度メールアドレスとパスワードを入力してください。"
    ),
    ErrMoneyTwoStepRequired => (
        "Adding a card and topping up need two-step verification, so that a password alone can never move your money. Turn it on first.",
        "カードの登録とチャージには2段階認証が必要です。パスワードだけでお金が動かせないようにするためです。先に2段階認証を設定してください。"
    ),
    ErrDeviceNotVerified => (
        "This browser has not been verified for your account yet. Sign out, then sign in again here and enter the code we email you.",
        "このブラウザはまだお客様のアカウントで確認されていません。ログアウトしてからこのブラウザで再度ログインし、メールでお送りするコードを入力してください。"
    ),
    ErrTotpAlreadyEnabled => (
        "Two-step verification is already on.",
        "2段階認証はすでに有効です。"
    ),
    ErrTotpNotEnabled => (
        "Two-step verification is not on.",
        "2段階認証は有効になっていません。"
    ),
    ErrEmailUnchanged => (
        "That is already your email address.",
        "すでに登録されているメールアドレスです。"
    ),
    ErrEmailNotVerified => (
        "Confirm your email address first: open the link in the mail we sent you.",
        "先にメールアドレスを確認してください。お送りしたメールのリンクを開いてください。"
    ),
    ErrIdempotencyKeyRequired => (
        "The request could not be sent safely. Please reload the page and try again.",
        "リクエストを安全に送信できませんでした。ページを再読み込みして、もう一度お試しください。"
    ),
    ErrIdempotencyKeyReused => (
        "This request was already sent with different details. Please reload the page and try again.",
        "このリクエストは別の内容ですでに送信されています。ページを再読み込みして、もう一度お試しください。"
    ),
    ErrAmountInvalid => (
        "Enter an amount greater than zero.",
        "0より大きい金額を入力してください。"
    ),
    ErrLimitExceeded => (
        "That is more than your top-up limit allows.",
        "チャージ上限を超えています。"
    ),
    ErrInsufficientFunds => (
        "The balance is not enough for this payment.",
        "残高が不足しています。"
    ),
    ErrCardInvalid => (
        "Check the card number, expiry date and security code.",
        "カード番号、有効期限、セキュリティコードをご確認ください。"
    ),
    ErrCardDeclined => (
        "The card was declined. Try another card or contact your card issuer.",
        "カードが承認されませんでした。別のカードをお試しいただくか、カード会社にお問い合わせください。"
    ),
    ErrPaymentCodeInvalid => (
        "This payment code is not valid: it has expired or was already used.",
        "この支払いコードは無効です。有効期限が切れているか、すでに使用されています。"
    ),
    ErrMerchantKeyInvalid => (
        "The store's key was not accepted.",
        "店舗のキーが受け付けられませんでした。"
    ),
    ErrFilterInvalid => (
        "One of the filters cannot be used. Check the dates and amounts.",
        "使用できない絞り込み条件があります。日付と金額をご確認ください。"
    ),
    ErrDisputeExists => (
        "This transaction already has an open dispute.",
        "この取引には、すでに対応中の申し立てがあります。"
    ),
    ErrInfoNotRequested => (
        "Support has not asked for more on this dispute, so there is nothing to answer now.",
        "この申し立てについてサポートから追加の情報は求められていないため、今は回答できません。"
    ),
    ErrDetailsRequired => (
        "Tell us what happened.",
        "状況をご記入ください。"
    ),
    ErrDetailsTooLong => (
        "The text is too long: shorten it to the limit shown with the box.",
        "文字数が多すぎます。入力欄に表示された文字数以内にしてください。"
    ),
    ErrDetailsInvalid => (
        "The text contains a character that cannot be saved.",
        "保存できない文字が含まれています。"
    ),
    ErrWalletFrozen => (
        "Your wallet is frozen after your fraud report: no money can leave it until support lifts the freeze.",
        "不正利用の報告により、ウォレットは凍結されています。サポートが解除するまで、お金の移動はできません。"
    ),
    ErrFileEmpty => (
        "The file is empty.",
        "ファイルが空です。"
    ),
    ErrFileTooLarge => (
        "The file is larger than 10 MB.",
        "ファイルが10MBを超えています。"
    ),
    ErrFileTypeUnsupported => (
        "This file is not a PNG, JPEG or WebP image.",
        "このファイルはPNG、JPEG、WebPの画像ではありません。"
    ),
    ErrFileDamaged => (
        "The image is damaged or incomplete and cannot be read.",
        "画像が壊れているか不完全なため、読み取れません。"
    ),
    ErrImageTooLarge => (
        "The image has too many pixels (at most 40 megapixels).",
        "画像の画素数が多すぎます（4000万画素まで）。"
    ),
    ErrTooManyFiles => (
        "At most 10 screenshots at a time.",
        "一度に添付できるスクリーンショットは10枚までです。"
    ),
    ErrTooManyUploadsAtOnce => (
        "Too many screenshots are being sent at once. Wait for one to finish, then try again.",
        "同時に送信しているスクリーンショットが多すぎます。送信中のものが終わってから、もう一度お試しください。"
    ),
    ErrFileNameInvalid => (
        "The file name cannot be used. Rename the file and try again.",
        "このファイル名は使用できません。名前を変更してもう一度お試しください。"
    ),
    ErrTransactionsRequired => (
        "Choose at least one transaction.",
        "取引を1件以上選んでください。"
    ),
    ErrEvidenceRequired => (
        "Add a screenshot or a note.",
        "スクリーンショットかメモを追加してください。"
    ),
    ErrNotPermitted => ("Your account may not do this.", "このアカウントではこの操作はできません。"),
    ErrAgentTwoStepRequired => ("Turn on two-step verification before working on cases.", "ケースを扱う前に2段階認証を有効にしてください。"),
    ErrSelfDealing => ("This case is about your own account: another agent must handle it.", "ご自身のアカウントに関するケースです。別の担当者が対応する必要があります。"),
    ErrCaseClosed => ("This case is closed (refunded or declined).", "このケースは終了しています（返金済みまたは却下）。"),
    ErrCaseClaimed => ("Another agent has this case.", "このケースは別の担当者が対応中です。"),
    ErrRefundExists => ("This case has a refund already, posted or waiting for approval.", "このケースには返金（実行済みまたは承認待ち）がすでにあります。"),
    ErrSecondAgentRequired => ("Another agent must approve a refund you asked for.", "ご自身が申請した返金は、別の担当者の承認が必要です。"),
    ErrTransactionRefunded => ("This transaction has been refunded in full already.", "この取引は、すでに全額返金されています。"),
    ErrRefundExceedsRemaining => ("That is more than is left to refund: part of this money was refunded already, on this or another case.", "返金できる残額を超えています。この金額の一部は、このケースまたは別のケースですでに返金されています。"),
    ErrNotFrozen => ("The customer's wallet is not frozen.", "お客様のウォレットは凍結されていません。"),
    ErrEvidenceSealed => (
        "This screenshot is part of a report and cannot be removed.",
        "このスクリーンショットは報告の一部のため、削除できません。"
    ),
    ErrSignatureInvalid => (
        "The request's signature was not accepted.",
        "リクエストの署名が受け付けられませんでした。"
    ),
    ErrCrossSiteRequest => (
        "This request was refused because it did not come from this site. Please reload the page.",
        "このサイト以外から送信されたため、リクエストを受け付けませんでした。ページを再読み込みしてください。"
    ),
    ErrInvalidPrefix => (
        "The breach check sent an invalid request.",
        "漏えいチェックのリクエストが正しくありません。"
    ),
    ErrNotFound => (
        "What you asked for was not found.",
        "お探しのものが見つかりませんでした。"
    ),
    ErrMethodNotAllowed => (
        "This action is not available here.",
        "この操作はここでは利用できません。"
    ),
    ErrServiceUnavailable => (
        "The service is busy or under maintenance. Please try again shortly.",
        "サービスが混み合っているか、メンテナンス中です。しばらくしてからお試しください。"
    ),
    ErrInternal => (
        "Something went wrong on our side. Please try again.",
        "サービス側で問題が発生しました。もう一度お試しください。"
    ),

    // zxcvbn warnings (keys are zxcvbn::feedback::Warning variant names)
    WarnStraightRowsOfKeys => (
        "Straight rows of keys are easy to guess.",
        "キーボードで横一列に並んだキーは推測されやすいです。"
    ),
    WarnShortKeyboardPatterns => (
        "Short keyboard patterns are easy to guess.",
        "短いキーボードのパターンは推測されやすいです。"
    ),
    WarnRepeatsLikeAaa => (
        "Repeats like “aaa” are easy to guess.",
        "「aaa」のような繰り返しは推測されやすいです。"
    ),
    WarnRepeatsLikeAbcAbc => (
        "Repeats like “abcabcabc” are only slightly harder to guess than “abc”.",
        "「abcabcabc」のような繰り返しは、「abc」よりわずかに推測しにくいだけです。"
    ),
    WarnTop10 => (
        "This is one of the 10 most common passwords.",
        "これは最もよく使われているパスワード上位10件の一つです。"
    ),
    WarnTop100 => (
        "This is one of the 100 most common passwords.",
        "これはよく使われているパスワード上位100件の一つです。"
    ),
    WarnCommon => (
        "This is a very common password.",
        "これは非常によく使われているパスワードです。"
    ),
    WarnSimilarToCommon => (
        "This is similar to a commonly used password.",
        "よく使われているパスワードに似ています。"
    ),
    WarnSequences => (
        "Sequences like “abc” or “6543” are easy to guess.",
        "「abc」や「6543」のような連続した文字は推測されやすいです。"
    ),
    WarnRecentYears => (
        "Recent years are easy to guess.",
        "最近の年は推測されやすいです。"
    ),
    WarnWordByItself => (
        "A word by itself is easy to guess.",
        "単語ひとつだけでは推測されやすいです。"
    ),
    WarnDates => (
        "Dates are often easy to guess.",
        "日付は推測されやすいことが多いです。"
    ),
    WarnNamesByThemselves => (
        "Names and surnames by themselves are easy to guess.",
        "名前や名字だけでは推測されやすいです。"
    ),
    WarnCommonNames => (
        "Common names and surnames are easy to guess.",
        "よくある名前や名字は推測されやすいです。"
    ),

    // zxcvbn suggestions (keys are zxcvbn::feedback::Suggestion variant names)
    SuggestFewWords => (
        "Use a few words, and avoid common phrases.",
        "単語をいくつか組み合わせ、よく使われる言い回しは避けましょう。"
    ),
    SuggestNoNeedForSymbols => (
        "No need for symbols, digits or uppercase letters.",
        "記号や数字、大文字を入れる必要はありません。"
    ),
    SuggestAnotherWord => (
        "Add another word or two. Uncommon words are better.",
        "単語をもう一つ二つ加えましょう。あまり使われない単語ほど効果的です。"
    ),
    SuggestCapitalization => (
        "Capitalization does not help very much.",
        "大文字を混ぜても、あまり強くなりません。"
    ),
    SuggestAllUppercase => (
        "All-uppercase is almost as easy to guess as all-lowercase.",
        "すべて大文字にしても、すべて小文字の場合とほとんど変わらず推測されやすいです。"
    ),
    SuggestReversedWords => (
        "Reversed words are not much harder to guess.",
        "単語を逆さに綴っても、推測の難しさはあまり変わりません。"
    ),
    SuggestPredictableSubstitutions => (
        "Predictable substitutions like “@” instead of “a” do not help very much.",
        "「a」を「@」にするような予想しやすい置き換えは、あまり効果がありません。"
    ),
    SuggestLongerKeyboardPattern => (
        "Use a longer keyboard pattern with more turns.",
        "キーボードのパターンを使うなら、もっと長く、曲がり角の多いものにしましょう。"
    ),
    SuggestAvoidRepeats => (
        "Avoid repeated words and characters.",
        "同じ単語や文字の繰り返しは避けましょう。"
    ),
    SuggestAvoidSequences => (
        "Avoid sequences.",
        "連続した文字や数字は避けましょう。"
    ),
    SuggestAvoidRecentYears => (
        "Avoid recent years.",
        "最近の年は避けましょう。"
    ),
    SuggestAvoidYearsAssociated => (
        "Avoid years that are associated with you.",
        "ご自身に関係のある年は避けましょう。"
    ),
    SuggestAvoidDatesAssociated => (
        "Avoid dates and years that are associated with you.",
        "ご自身に関係のある日付や年は避けましょう。"
    ),
}

/// Language names are written in their own language, so a person who cannot read the current
/// one still finds theirs.
pub fn language_name(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "English",
        Locale::Ja => "日本語",
    }
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The message for an API error code. Exhaustive on purpose: a new code does not compile until
/// it has a message in every language.
pub fn error_msg(code: ErrorCode) -> Msg {
    use ErrorCode::*;
    match code {
        InvalidJson => Msg::ErrInvalidJson,
        UnsupportedMediaType => Msg::ErrUnsupportedMediaType,
        PayloadTooLarge => Msg::ErrPayloadTooLarge,
        EmailInvalid => Msg::ErrEmailInvalid,
        EmailTooLong => Msg::ErrEmailTooLong,
        PasswordTooShort => Msg::ErrPasswordTooShort,
        PasswordTooLong => Msg::ErrPasswordTooLong,
        PasswordWeak => Msg::ErrPasswordWeak,
        PasswordBreached => Msg::ErrPasswordBreached,
        DisplayNameTooLong => Msg::ErrDisplayNameTooLong,
        DisplayNameInvalid => Msg::ErrDisplayNameInvalid,
        InvalidCredentials => Msg::ErrInvalidCredentials,
        TooManyAttempts => Msg::ErrTooManyAttempts,
        NotSignedIn => Msg::ErrNotSignedIn,
        TokenInvalid => Msg::ErrTokenInvalid,
        StepUpRequired => Msg::ErrStepUpRequired,
        CodeInvalid => Msg::ErrCodeInvalid,
        SecondFactorRequired => Msg::ErrSecondFactorRequired,
        SignInExpired => Msg::ErrSignInExpired,
        DeviceNotVerified => Msg::ErrDeviceNotVerified,
        MoneyTwoStepRequired => Msg::ErrMoneyTwoStepRequired,
        TotpAlreadyEnabled => Msg::ErrTotpAlreadyEnabled,
        TotpNotEnabled => Msg::ErrTotpNotEnabled,
        EmailUnchanged => Msg::ErrEmailUnchanged,
        EmailNotVerified => Msg::ErrEmailNotVerified,
        IdempotencyKeyRequired => Msg::ErrIdempotencyKeyRequired,
        IdempotencyKeyReused => Msg::ErrIdempotencyKeyReused,
        AmountInvalid => Msg::ErrAmountInvalid,
        LimitExceeded => Msg::ErrLimitExceeded,
        InsufficientFunds => Msg::ErrInsufficientFunds,
        CardInvalid => Msg::ErrCardInvalid,
        CardDeclined => Msg::ErrCardDeclined,
        PaymentCodeInvalid => Msg::ErrPaymentCodeInvalid,
        MerchantKeyInvalid => Msg::ErrMerchantKeyInvalid,
        FilterInvalid => Msg::ErrFilterInvalid,
        DisputeExists => Msg::ErrDisputeExists,
        InfoNotRequested => Msg::ErrInfoNotRequested,
        DetailsRequired => Msg::ErrDetailsRequired,
        DetailsTooLong => Msg::ErrDetailsTooLong,
        DetailsInvalid => Msg::ErrDetailsInvalid,
        WalletFrozen => Msg::ErrWalletFrozen,
        FileEmpty => Msg::ErrFileEmpty,
        FileTooLarge => Msg::ErrFileTooLarge,
        FileTypeUnsupported => Msg::ErrFileTypeUnsupported,
        FileDamaged => Msg::ErrFileDamaged,
        ImageTooLarge => Msg::ErrImageTooLarge,
        TooManyFiles => Msg::ErrTooManyFiles,
        TooManyUploadsAtOnce => Msg::ErrTooManyUploadsAtOnce,
        FileNameInvalid => Msg::ErrFileNameInvalid,
        TransactionsRequired => Msg::ErrTransactionsRequired,
        EvidenceRequired => Msg::ErrEvidenceRequired,
        EvidenceSealed => Msg::ErrEvidenceSealed,
        NotPermitted => Msg::ErrNotPermitted,
        AgentTwoStepRequired => Msg::ErrAgentTwoStepRequired,
        SelfDealing => Msg::ErrSelfDealing,
        CaseClosed => Msg::ErrCaseClosed,
        CaseClaimed => Msg::ErrCaseClaimed,
        RefundExists => Msg::ErrRefundExists,
        SecondAgentRequired => Msg::ErrSecondAgentRequired,
        TransactionRefunded => Msg::ErrTransactionRefunded,
        RefundExceedsRemaining => Msg::ErrRefundExceedsRemaining,
        NotFrozen => Msg::ErrNotFrozen,
        SignatureInvalid => Msg::ErrSignatureInvalid,
        CrossSiteRequest => Msg::ErrCrossSiteRequest,
        InvalidPrefix => Msg::ErrInvalidPrefix,
        NotFound => Msg::ErrNotFound,
        MethodNotAllowed => Msg::ErrMethodNotAllowed,
        ServiceUnavailable => Msg::ErrServiceUnavailable,
        Internal => Msg::ErrInternal,
    }
}

/// An error code's message with the limits it mentions filled in from `portal_api::rules`.
pub fn error_text(code: ErrorCode, locale: Locale) -> String {
    use portal_api::rules::*;
    let max = match code {
        ErrorCode::DisplayNameTooLong => DISPLAY_NAME_MAX_CHARS,
        _ => PASSWORD_MAX_CHARS,
    };
    fill(
        error_msg(code).text(locale),
        &[
            ("min", &PASSWORD_MIN_CHARS.to_string()),
            ("max", &max.to_string()),
        ],
    )
}

/// The translation of a zxcvbn warning key. An unknown key (a newer zxcvbn) shows nothing rather
/// than untranslated English.
pub fn zxcvbn_warning(key: &str) -> Option<Msg> {
    Some(match key {
        "StraightRowsOfKeysAreEasyToGuess" => Msg::WarnStraightRowsOfKeys,
        "ShortKeyboardPatternsAreEasyToGuess" => Msg::WarnShortKeyboardPatterns,
        "RepeatsLikeAaaAreEasyToGuess" => Msg::WarnRepeatsLikeAaa,
        "RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess" => Msg::WarnRepeatsLikeAbcAbc,
        "ThisIsATop10Password" => Msg::WarnTop10,
        "ThisIsATop100Password" => Msg::WarnTop100,
        "ThisIsACommonPassword" => Msg::WarnCommon,
        "ThisIsSimilarToACommonlyUsedPassword" => Msg::WarnSimilarToCommon,
        "SequencesLikeAbcAreEasyToGuess" => Msg::WarnSequences,
        "RecentYearsAreEasyToGuess" => Msg::WarnRecentYears,
        "AWordByItselfIsEasyToGuess" => Msg::WarnWordByItself,
        "DatesAreOftenEasyToGuess" => Msg::WarnDates,
        "NamesAndSurnamesByThemselvesAreEasyToGuess" => Msg::WarnNamesByThemselves,
        "CommonNamesAndSurnamesAreEasyToGuess" => Msg::WarnCommonNames,
        _ => return None,
    })
}

/// The translation of a zxcvbn suggestion key; see [`zxcvbn_warning`].
pub fn zxcvbn_suggestion(key: &str) -> Option<Msg> {
    Some(match key {
        "UseAFewWordsAvoidCommonPhrases" => Msg::SuggestFewWords,
        "NoNeedForSymbolsDigitsOrUppercaseLetters" => Msg::SuggestNoNeedForSymbols,
        "AddAnotherWordOrTwo" => Msg::SuggestAnotherWord,
        "CapitalizationDoesntHelpVeryMuch" => Msg::SuggestCapitalization,
        "AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase" => Msg::SuggestAllUppercase,
        "ReversedWordsArentMuchHarderToGuess" => Msg::SuggestReversedWords,
        "PredictableSubstitutionsDontHelpVeryMuch" => Msg::SuggestPredictableSubstitutions,
        "UseALongerKeyboardPatternWithMoreTurns" => Msg::SuggestLongerKeyboardPattern,
        "AvoidRepeatedWordsAndCharacters" => Msg::SuggestAvoidRepeats,
        "AvoidSequences" => Msg::SuggestAvoidSequences,
        "AvoidRecentYears" => Msg::SuggestAvoidRecentYears,
        "AvoidYearsThatAreAssociatedWithYou" => Msg::SuggestAvoidYearsAssociated,
        "AvoidDatesAndYearsThatAreAssociatedWithYou" => Msg::SuggestAvoidDatesAssociated,
        _ => return None,
    })
}

/// The word for a zxcvbn score (0..=4).
pub fn score_msg(score: u8) -> Msg {
    match score {
        0 => Msg::Score0,
        1 => Msg::Score1,
        2 => Msg::Score2,
        3 => Msg::Score3,
        _ => Msg::Score4,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(name, _)| name)
            .collect()
    }

    fn is_japanese(c: char) -> bool {
        matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff01}'..='\u{ff60}')
    }

    /// Every `ErrorCode`, listed through an exhaustive match so that a new variant breaks this test
    /// until it is added here (and then to the catalogue).
    fn all_error_codes() -> Vec<ErrorCode> {
        use ErrorCode::*;
        let all = vec![
            InvalidJson,
            UnsupportedMediaType,
            PayloadTooLarge,
            EmailInvalid,
            EmailTooLong,
            PasswordTooShort,
            PasswordTooLong,
            PasswordWeak,
            PasswordBreached,
            DisplayNameTooLong,
            DisplayNameInvalid,
            InvalidCredentials,
            TooManyAttempts,
            NotSignedIn,
            TokenInvalid,
            StepUpRequired,
            CodeInvalid,
            SecondFactorRequired,
            SignInExpired,
            DeviceNotVerified,
            MoneyTwoStepRequired,
            TotpAlreadyEnabled,
            TotpNotEnabled,
            EmailUnchanged,
            EmailNotVerified,
            IdempotencyKeyRequired,
            IdempotencyKeyReused,
            AmountInvalid,
            LimitExceeded,
            InsufficientFunds,
            CardInvalid,
            CardDeclined,
            PaymentCodeInvalid,
            MerchantKeyInvalid,
            FilterInvalid,
            DisputeExists,
            InfoNotRequested,
            DetailsRequired,
            DetailsTooLong,
            DetailsInvalid,
            WalletFrozen,
            FileEmpty,
            FileTooLarge,
            FileTypeUnsupported,
            FileDamaged,
            ImageTooLarge,
            TooManyFiles,
            TooManyUploadsAtOnce,
            FileNameInvalid,
            TransactionsRequired,
            EvidenceRequired,
            EvidenceSealed,
            NotPermitted,
            AgentTwoStepRequired,
            SelfDealing,
            CaseClosed,
            CaseClaimed,
            RefundExists,
            SecondAgentRequired,
            TransactionRefunded,
            RefundExceedsRemaining,
            NotFrozen,
            SignatureInvalid,
            CrossSiteRequest,
            InvalidPrefix,
            NotFound,
            MethodNotAllowed,
            ServiceUnavailable,
            Internal,
        ];
        for code in &all {
            match code {
                InvalidJson
                | UnsupportedMediaType
                | PayloadTooLarge
                | EmailInvalid
                | EmailTooLong
                | PasswordTooShort
                | PasswordTooLong
                | PasswordWeak
                | PasswordBreached
                | DisplayNameTooLong
                | DisplayNameInvalid
                | InvalidCredentials
                | TooManyAttempts
                | NotSignedIn
                | TokenInvalid
                | StepUpRequired
                | CodeInvalid
                | SecondFactorRequired
                | SignInExpired
                | DeviceNotVerified
                | MoneyTwoStepRequired
                | TotpAlreadyEnabled
                | TotpNotEnabled
                | EmailUnchanged
                | CrossSiteRequest
                | EmailNotVerified
                | IdempotencyKeyRequired
                | IdempotencyKeyReused
                | AmountInvalid
                | LimitExceeded
                | InsufficientFunds
                | CardInvalid
                | CardDeclined
                | PaymentCodeInvalid
                | MerchantKeyInvalid
                | FilterInvalid
                | DisputeExists
                | InfoNotRequested
                | DetailsRequired
                | DetailsTooLong
                | DetailsInvalid
                | WalletFrozen
                | FileEmpty
                | FileTooLarge
                | FileTypeUnsupported
                | FileDamaged
                | ImageTooLarge
                | TooManyFiles
                | TooManyUploadsAtOnce
                | FileNameInvalid
                | TransactionsRequired
                | EvidenceRequired
                | EvidenceSealed
                | NotPermitted
                | AgentTwoStepRequired
                | SelfDealing
                | CaseClosed
                | CaseClaimed
                | RefundExists
                | SecondAgentRequired
                | TransactionRefunded
                | RefundExceedsRemaining
                | NotFrozen
                | SignatureInvalid
                | InvalidPrefix
                | NotFound
                | MethodNotAllowed
                | ServiceUnavailable
                | Internal => {}
            }
        }
        all
    }

    #[test]
    fn every_message_exists_in_every_language() {
        check_catalogue(Msg::ALL, &[Msg::PageTitle]);
        for locale in Locale::ALL {
            assert!(!language_name(locale).is_empty());
        }
    }

    /// Every entry has non-empty text in every language with the same placeholders, and the
    /// Japanese is Japanese (except the entries in `same_in_every_language`).
    pub fn check_catalogue<M: Text + PartialEq>(all: &[M], same_in_every_language: &[M]) {
        for &msg in all {
            let en = msg.text(Locale::En);
            let ja = msg.text(Locale::Ja);
            assert!(!en.trim().is_empty(), "{msg:?} has no English text");
            assert!(!ja.trim().is_empty(), "{msg:?} has no Japanese text");
            assert_eq!(
                placeholders(en),
                placeholders(ja),
                "{msg:?} placeholders differ"
            );
            if !same_in_every_language.contains(&msg) {
                assert!(
                    ja.chars().any(is_japanese),
                    "{msg:?} is not translated: {ja}"
                );
                assert_ne!(en, ja, "{msg:?} is not translated");
            }
        }
    }

    #[test]
    fn every_error_code_has_a_message_with_its_limits_filled_in() {
        let mut seen = BTreeSet::new();
        for code in all_error_codes() {
            let msg = error_msg(code);
            assert!(seen.insert(format!("{msg:?}")), "{code:?} shares a message");
            for locale in Locale::ALL {
                let text = error_text(code, locale);
                assert!(!text.contains('{'), "{code:?} in {locale:?}: {text}");
            }
        }
        assert!(error_text(ErrorCode::PasswordTooShort, Locale::En).contains('8'));
        assert!(error_text(ErrorCode::DisplayNameTooLong, Locale::Ja).contains("100"));
    }

    #[test]
    fn every_zxcvbn_warning_and_suggestion_is_translated() {
        use zxcvbn::feedback::{Suggestion as S, Warning as W};
        // Exhaustive matches: a zxcvbn upgrade with a new variant fails to compile here.
        let warnings = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ];
        for w in warnings {
            match w {
                W::StraightRowsOfKeysAreEasyToGuess
                | W::ShortKeyboardPatternsAreEasyToGuess
                | W::RepeatsLikeAaaAreEasyToGuess
                | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
                | W::ThisIsATop10Password
                | W::ThisIsATop100Password
                | W::ThisIsACommonPassword
                | W::ThisIsSimilarToACommonlyUsedPassword
                | W::SequencesLikeAbcAreEasyToGuess
                | W::RecentYearsAreEasyToGuess
                | W::AWordByItselfIsEasyToGuess
                | W::DatesAreOftenEasyToGuess
                | W::NamesAndSurnamesByThemselvesAreEasyToGuess
                | W::CommonNamesAndSurnamesAreEasyToGuess => {}
            }
            assert!(
                zxcvbn_warning(&format!("{w:?}")).is_some(),
                "{w:?} untranslated"
            );
        }
        let suggestions = [
            S::UseAFewWordsAvoidCommonPhrases,
            S::NoNeedForSymbolsDigitsOrUppercaseLetters,
            S::AddAnotherWordOrTwo,
            S::CapitalizationDoesntHelpVeryMuch,
            S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase,
            S::ReversedWordsArentMuchHarderToGuess,
            S::PredictableSubstitutionsDontHelpVeryMuch,
            S::UseALongerKeyboardPatternWithMoreTurns,
            S::AvoidRepeatedWordsAndCharacters,
            S::AvoidSequences,
            S::AvoidRecentYears,
            S::AvoidYearsThatAreAssociatedWithYou,
            S::AvoidDatesAndYearsThatAreAssociatedWithYou,
        ];
        for s in suggestions {
            match s {
                S::UseAFewWordsAvoidCommonPhrases
                | S::NoNeedForSymbolsDigitsOrUppercaseLetters
                | S::AddAnotherWordOrTwo
                | S::CapitalizationDoesntHelpVeryMuch
                | S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase
                | S::ReversedWordsArentMuchHarderToGuess
                | S::PredictableSubstitutionsDontHelpVeryMuch
                | S::UseALongerKeyboardPatternWithMoreTurns
                | S::AvoidRepeatedWordsAndCharacters
                | S::AvoidSequences
                | S::AvoidRecentYears
                | S::AvoidYearsThatAreAssociatedWithYou
                | S::AvoidDatesAndYearsThatAreAssociatedWithYou => {}
            }
            assert!(
                zxcvbn_suggestion(&format!("{s:?}")).is_some(),
                "{s:?} untranslated"
            );
        }
        assert_eq!(zxcvbn_warning("SomethingNew"), None);
    }

    #[test]
    fn real_zxcvbn_feedback_is_translated() {
        for pw in [
            "password",
            "qwertyuiop",
            "aaaaaaaaa",
            "abcabcabc",
            "2019",
            "Mamoru",
            "P@ssw0rd",
            "john smith",
            "12/24/1990",
        ] {
            let entropy = zxcvbn::zxcvbn(pw, &[]);
            if let Some(feedback) = entropy.feedback() {
                if let Some(w) = feedback.warning() {
                    assert!(zxcvbn_warning(&format!("{w:?}")).is_some(), "{w:?}");
                }
                for s in feedback.suggestions() {
                    assert!(zxcvbn_suggestion(&format!("{s:?}")).is_some(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn scores_have_words() {
        for score in 0..=4u8 {
            assert!(!score_msg(score).text(Locale::Ja).is_empty());
        }
        assert_eq!(score_msg(3), Msg::Score3);
    }

    #[test]
    fn fill_replaces_named_placeholders() {
        assert_eq!(
            fill("{a} and {b} and {a}", &[("a", "1"), ("b", "2")]),
            "1 and 2 and 1"
        );
    }
}
