//! The text of every mail, in each language the portal speaks.

use super::Mail;
use portal_api::dto::Locale;
use portal_api::SERVICE_NAME;

pub fn verify_email(locale: Locale, to: &str, link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Confirm your email address for {SERVICE_NAME}"),
            format!(
                "Welcome to {SERVICE_NAME}.\n\nTo confirm that this is your address, open this link within 24 hours:\n\n{link}\n\n\
                 Until you do, you cannot add money or reset your password by email.\n\n\
                 If you did not sign up, ignore this message: no account will be usable with this address until it is confirmed.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：メールアドレスの確認"),
            format!(
                "{SERVICE_NAME}にご登録いただきありがとうございます。\n\nこのアドレスがご本人のものであることを確認するため、24時間以内に次のリンクを開いてください。\n\n{link}\n\n\
                 確認が済むまで、入金やメールによるパスワード再設定はご利用いただけません。\n\n\
                 お心当たりのない場合は、このメールを破棄してください。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent instead of a second account when someone signs up with an address that has one, so the
/// sign-up page itself never says which addresses are customers.
pub fn already_registered(locale: Locale, to: &str, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Someone tried to sign up to {SERVICE_NAME} with your address"),
            format!(
                "Someone tried to create a {SERVICE_NAME} account with this email address, which already has one.\n\n\
                 If it was you, sign in here:\n\n{sign_in_link}\n\n\
                 If it was not you, you need not do anything: no second account was created and your account is unchanged.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：お使いのアドレスで新規登録が試みられました"),
            format!(
                "このメールアドレスで{SERVICE_NAME}の新規登録が試みられましたが、このアドレスにはすでにアカウントがあります。\n\n\
                 ご本人の場合は、こちらからログインしてください。\n\n{sign_in_link}\n\n\
                 お心当たりのない場合、対応は不要です。新しいアカウントは作成されておらず、お客様のアカウントにも変更はありません。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

pub fn password_reset(locale: Locale, to: &str, link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Reset your {SERVICE_NAME} password"),
            format!(
                "Someone asked to reset the password of your {SERVICE_NAME} account.\n\n\
                 To choose a new password, open this link within 30 minutes. It works once:\n\n{link}\n\n\
                 If it was not you, ignore this message: your password stays as it is. \
                 Signing in also cancels this link.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：パスワードの再設定"),
            format!(
                "{SERVICE_NAME}アカウントのパスワード再設定が申請されました。\n\n\
                 新しいパスワードを設定するには、30分以内に次のリンクを開いてください（1回のみ有効です）。\n\n{link}\n\n\
                 お心当たりのない場合は、このメールを破棄してください。パスワードは変更されません。\
                 ログインするとこのリンクは無効になります。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// To a new support agent: choose a password, then turn on two-step verification.
pub fn agent_invite(locale: Locale, to: &str, link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Your {SERVICE_NAME} support account"),
            format!(
                "A {SERVICE_NAME} support account was made for this address.\n\n\
                 Choose your password with this link within 24 hours. It works once:\n\n{link}\n\n\
                 Then sign in and turn on two-step verification: the support console opens only after that.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：サポート用アカウント"),
            format!(
                "このメールアドレスで{SERVICE_NAME}のサポート用アカウントが作成されました。\n\n\
                 24時間以内に次のリンクからパスワードを設定してください（1回のみ有効です）。\n\n{link}\n\n\
                 その後ログインして2段階認証を有効にすると、サポート画面を使えるようになります。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent after every password change or reset, so a change the customer did not make is noticed.
pub fn password_changed(locale: Locale, to: &str, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Your {SERVICE_NAME} password was changed"),
            format!(
                "The password of your {SERVICE_NAME} account was just changed, and every other \
                 browser and device was signed out.\n\nIf this was you, there is nothing to do. \
                 If it was not, reset your password at once from the sign-in page and contact support:\n\n{sign_in_link}\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：パスワードが変更されました"),
            format!(
                "{SERVICE_NAME}アカウントのパスワードが変更され、ほかのブラウザや端末はすべてサインアウトされました。\n\n\
                 ご本人による変更であれば、対応は不要です。お心当たりのない場合は、ただちにログイン画面からパスワードを再設定し、サポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent when two-step verification is turned on.
pub fn totp_enabled(locale: Locale, to: &str, recovery_codes: usize, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Two-step verification is now on for your {SERVICE_NAME} account"),
            format!(
                "Two-step verification was just turned on for your {SERVICE_NAME} account. From now on, \
                 signing in, resetting your password and changing security settings also need a code from \
                 your authenticator app, or one of your {recovery_codes} recovery codes.\n\n\
                 Keep the recovery codes somewhere safe, away from your phone: each works once.\n\n\
                 If this was not you, someone else has your password. Reset it at once from the sign-in page \
                 and contact support:\n\n{sign_in_link}\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：2段階認証がオンになりました"),
            format!(
                "{SERVICE_NAME}アカウントの2段階認証がオンになりました。今後、ログイン、パスワードの再設定、\
                 セキュリティ設定の変更には、認証アプリのコードか、{recovery_codes}個のリカバリーコードのいずれかも必要です。\n\n\
                 リカバリーコードはスマートフォンとは別の安全な場所に保管してください。各コードは1回だけ使えます。\n\n\
                 お心当たりのない場合は、第三者がパスワードを知っています。ただちにログイン画面からパスワードを再設定し、\
                 サポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent when two-step verification is turned off.
pub fn totp_disabled(locale: Locale, to: &str, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Two-step verification was turned off for your {SERVICE_NAME} account"),
            format!(
                "Two-step verification was just turned off for your {SERVICE_NAME} account. Your authenticator \
                 app's codes and your recovery codes no longer work, and signing in needs only your password.\n\n\
                 If this was not you, reset your password at once from the sign-in page, turn two-step \
                 verification on again and contact support:\n\n{sign_in_link}\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：2段階認証がオフになりました"),
            format!(
                "{SERVICE_NAME}アカウントの2段階認証がオフになりました。認証アプリのコードとリカバリーコードは使えなくなり、\
                 ログインにはパスワードだけが必要です。\n\n\
                 お心当たりのない場合は、ただちにログイン画面からパスワードを再設定し、2段階認証をもう一度オンにして、\
                 サポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent every time a recovery code is used, with how many are left.
pub fn recovery_code_used(locale: Locale, to: &str, left: i64, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("A recovery code was used on your {SERVICE_NAME} account"),
            format!(
                "One of the recovery codes of your {SERVICE_NAME} account was just used. It cannot be used \
                 again. You have {left} unused recovery code{} left; when few are left, make a new set in \
                 your security settings (that voids the old ones).\n\n\
                 If this was not you, someone has your password and a recovery code. Reset your password at \
                 once from the sign-in page, make new recovery codes and contact support:\n\n{sign_in_link}\n",
                if left == 1 { "" } else { "s" }
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：リカバリーコードが使用されました"),
            format!(
                "{SERVICE_NAME}アカウントのリカバリーコードが1つ使用されました。このコードはもう使えません。\
                 未使用のリカバリーコードは残り{left}個です。残りが少なくなったら、セキュリティ設定で新しいコードを\
                 作成してください（古いコードは無効になります）。\n\n\
                 お心当たりのない場合は、第三者がパスワードとリカバリーコードを持っています。ただちにログイン画面から\
                 パスワードを再設定し、新しいリカバリーコードを作成して、サポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// What the new-device mail says about the sign-in.
pub struct SignInFacts<'a> {
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub address: &'a str,
    pub browser: Option<&'a str>,
    pub os: Option<&'a str>,
}

/// Sent when a sign-in completes from a browser that has not signed in to the account before.
pub fn new_device(locale: Locale, to: &str, facts: &SignInFacts, sessions_link: &str) -> Mail {
    let when = utc_time(locale, facts.at);
    let address = facts.address;
    let (subject, body) = match locale {
        Locale::En => {
            let browser = facts.browser.unwrap_or("an unrecognised browser");
            let os = facts.os.unwrap_or("an unrecognised system");
            (
                format!("New sign-in to your {SERVICE_NAME} account"),
                format!(
                    "Your {SERVICE_NAME} account was just signed in to from a browser or device it has not \
                     been signed in from before.\n\n\
                     When: {when}\nFrom address: {address}\nDevice: {browser} on {os}\n\n\
                     If this was you, there is nothing to do. If it was not, review your sessions, end this \
                     one and change your password at once:\n\n{sessions_link}\n"
                ),
            )
        }
        Locale::Ja => {
            let browser = facts.browser.unwrap_or("不明なブラウザ");
            let os = facts.os.unwrap_or("不明なOS");
            (
                format!("{SERVICE_NAME}：新しい端末からログインがありました"),
                format!(
                    "{SERVICE_NAME}アカウントに、これまでログインしたことのないブラウザまたは端末からログインがありました。\n\n\
                     日時：{when}\n接続元アドレス：{address}\n端末：{browser}（{os}）\n\n\
                     ご本人であれば、対応は不要です。お心当たりのない場合は、次のページでセッションを確認してこのセッションを終了し、\
                     ただちにパスワードを変更してください。\n\n{sessions_link}\n"
                ),
            )
        }
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent when a right password comes from a browser that has not proved itself for the account:
/// the code that finishes that one sign-in, what it was made from, and the link that ends it.
pub fn device_code(
    locale: Locale,
    to: &str,
    code: &str,
    facts: &SignInFacts,
    minutes: i64,
    not_me_link: &str,
) -> Mail {
    let when = utc_time(locale, facts.at);
    let address = facts.address;
    let (subject, body) = match locale {
        Locale::En => {
            let browser = facts.browser.unwrap_or("an unrecognised browser");
            let os = facts.os.unwrap_or("an unrecognised system");
            (
                format!("{code} is your {SERVICE_NAME} sign-in code"),
                format!(
                    "Someone signed in to your {SERVICE_NAME} account with your password, from a browser \
                     that has not been used for it before. To finish signing in there, enter this code \
                     on the sign-in page within {minutes} minutes:\n\n\
                     {code}\n\n\
                     When: {when}\nFrom address: {address}\nDevice: {browser} on {os}\n\n\
                     Never tell this code to anyone: {SERVICE_NAME} will never ask you for it.\n\n\
                     If this was not you, someone knows your password. End this sign-in and choose a \
                     new password here:\n\n{not_me_link}\n"
                ),
            )
        }
        Locale::Ja => {
            let browser = facts.browser.unwrap_or("不明なブラウザ");
            let os = facts.os.unwrap_or("不明なOS");
            (
                format!("{SERVICE_NAME}：ログイン確認コード {code}"),
                format!(
                    "{SERVICE_NAME}アカウントに、これまで使われたことのないブラウザから、お客様のパスワードでログインがありました。\
                     そのブラウザでログインを完了するには、{minutes}分以内にログイン画面で次のコードを入力してください。\n\n\
                     {code}\n\n\
                     日時：{when}\n接続元アドレス：{address}\n端末：{browser}（{os}）\n\n\
                     このコードは誰にも教えないでください。{SERVICE_NAME}からコードをお尋ねすることはありません。\n\n\
                     お心当たりのない場合は、第三者がパスワードを知っています。次のリンクからこのログインを中止し、\
                     新しいパスワードを設定してください。\n\n{not_me_link}\n"
                ),
            )
        }
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent to the new address: the link that makes it the account's address.
pub fn email_change_link(locale: Locale, to: &str, link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Confirm your new email address for {SERVICE_NAME}"),
            format!(
                "Someone signed in to a {SERVICE_NAME} account asked to make this its email address.\n\n\
                 To confirm, open this link within 24 hours. It works once:\n\n{link}\n\n\
                 Until you do, the account keeps its old address. If you did not ask for this, ignore this \
                 message: nothing changes.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：新しいメールアドレスの確認"),
            format!(
                "{SERVICE_NAME}アカウントのメールアドレスを、このアドレスに変更する申請がありました。\n\n\
                 確認するには、24時間以内に次のリンクを開いてください（1回のみ有効です）。\n\n{link}\n\n\
                 確認が済むまで、アカウントのメールアドレスは変更されません。お心当たりのない場合は、このメールを破棄してください。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent to the new address instead of a link when it already belongs to another account, so the
/// person asking cannot tell taken addresses from free ones.
pub fn email_change_taken(locale: Locale, to: &str, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Someone tried to move a {SERVICE_NAME} account to your address"),
            format!(
                "Someone signed in to a {SERVICE_NAME} account asked to change its email address to this one. \
                 This address already belongs to a {SERVICE_NAME} account, so nothing was changed.\n\n\
                 If you have an account with this address, you can sign in here:\n\n{sign_in_link}\n\n\
                 You need not do anything else.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：お使いのアドレスへの変更が申請されました"),
            format!(
                "{SERVICE_NAME}アカウントのメールアドレスを、このアドレスに変更する申請がありました。\
                 このアドレスはすでに{SERVICE_NAME}アカウントで使われているため、変更は行われていません。\n\n\
                 このアドレスのアカウントをお持ちの場合は、こちらからログインできます。\n\n{sign_in_link}\n\n\
                 ほかに対応は不要です。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent to the current address when a change away from it is requested. The new address is shown
/// masked (`h…@example.jp`): enough for the owner to recognise it.
pub fn email_change_requested(
    locale: Locale,
    to: &str,
    new_masked: &str,
    sessions_link: &str,
) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("A change of your {SERVICE_NAME} email address was requested"),
            format!(
                "Someone signed in to your {SERVICE_NAME} account asked to change its email address to \
                 {new_masked}. A confirmation link was sent there; the address changes only when it is opened.\n\n\
                 If this was you, there is nothing to do. If it was not, review your sessions, end the ones you \
                 do not know and change your password at once:\n\n{sessions_link}\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：メールアドレスの変更が申請されました"),
            format!(
                "{SERVICE_NAME}アカウントのメールアドレスを {new_masked} に変更する申請がありました。\
                 そのアドレスに確認リンクを送りました。リンクが開かれるまで、アドレスは変更されません。\n\n\
                 ご本人であれば、対応は不要です。お心当たりのない場合は、次のページでセッションを確認して\
                 心当たりのないものを終了し、ただちにパスワードを変更してください。\n\n{sessions_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent to the old address once the change has taken effect.
pub fn email_changed(locale: Locale, to: &str, new_masked: &str, sign_in_link: &str) -> Mail {
    let (subject, body) = match locale {
        Locale::En => (
            format!("Your {SERVICE_NAME} email address was changed"),
            format!(
                "The email address of your {SERVICE_NAME} account was just changed from this address to \
                 {new_masked}. Mail about the account now goes there, and this address no longer signs in.\n\n\
                 If this was not you, contact support at once:\n\n{sign_in_link}\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：メールアドレスが変更されました"),
            format!(
                "{SERVICE_NAME}アカウントのメールアドレスが、このアドレスから {new_masked} に変更されました。\
                 今後、アカウントに関するメールは新しいアドレスに届き、このアドレスではログインできません。\n\n\
                 お心当たりのない場合は、ただちにサポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// What the dispute mail says about the disputed transaction.
pub struct DisputeFacts<'a> {
    /// The dispute's number (its id).
    pub number: &'a str,
    pub amount: portal_api::money::Money,
    pub merchant: Option<&'a str>,
    /// When the transaction happened, seconds since the Unix epoch.
    pub at: i64,
}

/// Sent when the customer submits a dispute: its number to quote, what it is about, where to
/// follow it.
pub fn dispute_submitted(locale: Locale, to: &str, facts: &DisputeFacts, link: &str) -> Mail {
    let number = facts.number;
    let amount = facts.amount.format(locale);
    let when = utc_time(locale, facts.at);
    let (subject, body) = match locale {
        Locale::En => {
            let merchant = facts.merchant.unwrap_or("no store");
            (
                format!("{SERVICE_NAME}: we received your dispute {number}"),
                format!(
                    "We received your dispute of a transaction on your {SERVICE_NAME} account.\n\n\
                     Dispute number: {number}\nTransaction: {amount}, {merchant}, {when}\n\n\
                     Quote the number whenever you contact support. You can follow every step of the \
                     dispute, and add to it when we ask, here:\n\n{link}\n\n\
                     If you did not submit this dispute, someone else is signed in to your account: \
                     change your password at once and contact support.\n"
                ),
            )
        }
        Locale::Ja => {
            let merchant = facts.merchant.unwrap_or("店舗なし");
            (
                format!("{SERVICE_NAME}：異議申し立て（受付番号 {number}）を受け付けました"),
                format!(
                    "{SERVICE_NAME}アカウントの取引について、異議申し立てを受け付けました。\n\n\
                     受付番号：{number}\n取引：{amount}、{merchant}、{when}\n\n\
                     サポートへお問い合わせの際は、この受付番号をお伝えください。対応状況は次のページでいつでも確認でき、\
                     追加の情報をお願いした際もこちらからご回答いただけます。\n\n{link}\n\n\
                     この申し立てにお心当たりのない場合は、第三者がお客様のアカウントにログインしています。\
                     ただちにパスワードを変更し、サポートにご連絡ください。\n"
                ),
            )
        }
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

pub struct ReportFacts<'a> {
    pub number: &'a str,
    pub at: i64,
    pub transactions: usize,
    pub screenshots: usize,
    pub manifest_sha256: &'a str,
}

/// The report's receipt. The manifest's SHA-256 in the customer's own mailbox is a record of the
/// sealed evidence that we could not change afterwards.
pub fn fraud_report_submitted(locale: Locale, to: &str, facts: &ReportFacts, link: &str) -> Mail {
    let ReportFacts {
        number,
        transactions,
        screenshots,
        manifest_sha256,
        ..
    } = facts;
    let when = utc_time(locale, facts.at);
    let (subject, body) = match locale {
        Locale::En => (
            format!("{SERVICE_NAME}: we received your fraud report {number}"),
            format!(
                "We received your fraud report, made {when}.\n\n\
                 Report number: {number}\nTransactions reported: {transactions}\nScreenshots: {screenshots}\n\n\
                 Your wallet is frozen: no top-ups, payment codes or store payments until support has \
                 reviewed the report and lifts the freeze. Your history, disputes and reports stay \
                 readable, and you can download the evidence at any time here:\n\n{link}\n\n\
                 We sealed your history and screenshots when you reported. The sealed manifest's \
                 SHA-256 is:\n{manifest_sha256}\n\
                 Keep this mail: the evidence bundle's manifest.json has exactly this hash.\n\n\
                 If you did not make this report, someone else is signed in to your account: change \
                 your password at once and contact support.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：不正利用の報告（受付番号 {number}）を受け付けました"),
            format!(
                "{when}に送信された不正利用の報告を受け付けました。\n\n\
                 受付番号：{number}\n報告された取引：{transactions}件\nスクリーンショット：{screenshots}枚\n\n\
                 ウォレットは凍結されています。サポートが報告を確認して凍結を解除するまで、チャージ、\
                 支払いコード、店舗でのお支払いはできません。取引履歴、異議申し立て、報告はこれまでどおり\
                 ご覧いただけ、証拠はいつでも次のページからダウンロードできます。\n\n{link}\n\n\
                 報告の時点で、取引履歴とスクリーンショットを封印しました。封印したマニフェストのSHA-256は\
                 次のとおりです。\n{manifest_sha256}\n\
                 このメールは保管してください。証拠一式のmanifest.jsonは、このハッシュ値と一致します。\n\n\
                 この報告にお心当たりのない場合は、第三者がお客様のアカウントにログインしています。\
                 ただちにパスワードを変更し、サポートにご連絡ください。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// `h…@example.jp`: the first character of the local part and the whole domain.
pub fn mask_email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

/// A moment written out in UTC: `Saturday, 21 November 2026, 07:44 UTC` or
/// `2026年11月21日（土）7時44分（UTC）`.
pub fn utc_time(locale: Locale, unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (hour, minute) = (secs / 3600, secs % 3600 / 60);
    let (year, month, day) = crate::clock::civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = (days + 3).rem_euclid(7) as usize;
    match locale {
        Locale::En => {
            const DAYS: [&str; 7] = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!(
                "{}, {day} {} {year}, {hour:02}:{minute:02} UTC",
                DAYS[weekday],
                MONTHS[(month - 1) as usize]
            )
        }
        Locale::Ja => {
            const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
            format!(
                "{year}年{month}月{day}日（{}）{hour}時{minute:02}分（UTC）",
                DAYS[weekday]
            )
        }
    }
}

/// What support did on a dispute or fraud report, as the customer is told.
pub enum CaseUpdate<'a> {
    /// Support asks for more; the text is theirs, exactly as written.
    MoreInfo(&'a str),
    Refunded(portal_api::money::Money),
    /// Why, exactly as written.
    Declined(&'a str),
    /// The wallet's freeze, put on by the report `number` names, is lifted.
    FreezeLifted,
}

/// Sent when support asks for more information, refunds, declines, or lifts the freeze: the case
/// number, what happened, and where to follow it.
pub fn case_update(
    locale: Locale,
    to: &str,
    number: &str,
    update: &CaseUpdate,
    link: &str,
) -> Mail {
    let (subject, body) = match (locale, update) {
        (Locale::En, CaseUpdate::MoreInfo(text)) => (
            format!("{SERVICE_NAME}: we need more information about {number}"),
            format!(
                "Support is looking at your case {number} and needs more information:\n\n{text}\n\n\
                 Answer here, where you can also follow every step:\n\n{link}\n"
            ),
        ),
        (Locale::En, CaseUpdate::Refunded(amount)) => (
            format!("{SERVICE_NAME}: {number} refunded"),
            format!(
                "We refunded {} to your wallet for your case {number}.\n\n\
                 The refund is in your history now. Every step of the case is here:\n\n{link}\n",
                amount.format(locale)
            ),
        ),
        (Locale::En, CaseUpdate::Declined(text)) => (
            format!("{SERVICE_NAME}: a decision on {number}"),
            format!(
                "Support has closed your case {number} without a refund, for this reason:\n\n{text}\n\n\
                 Every step of the case is here:\n\n{link}\n"
            ),
        ),
        (Locale::En, CaseUpdate::FreezeLifted) => (
            format!("{SERVICE_NAME}: your wallet is no longer frozen"),
            format!(
                "Support has lifted the freeze your fraud report {number} put on your wallet. \
                 Money can leave it again: top-ups, payment codes and store payments work.\n\n\
                 Every step of your report is here:\n\n{link}\n"
            ),
        ),
        (Locale::Ja, CaseUpdate::MoreInfo(text)) => (
            format!("{SERVICE_NAME}：{number}について追加の情報をお願いします"),
            format!(
                "受付番号 {number} について確認しており、追加の情報が必要です。\n\n{text}\n\n\
                 次のページからご回答ください。対応状況もこちらで確認できます。\n\n{link}\n"
            ),
        ),
        (Locale::Ja, CaseUpdate::Refunded(amount)) => (
            format!("{SERVICE_NAME}：{number}の返金"),
            format!(
                "受付番号 {number} について、{}をウォレットに返金しました。\n\n\
                 返金は取引履歴に反映されています。対応状況は次のページで確認できます。\n\n{link}\n",
                amount.format(locale)
            ),
        ),
        (Locale::Ja, CaseUpdate::Declined(text)) => (
            format!("{SERVICE_NAME}：{number}の調査結果"),
            format!(
                "受付番号 {number} について、次の理由により返金を行わずに対応を終了しました。\n\n{text}\n\n\
                 対応状況は次のページで確認できます。\n\n{link}\n"
            ),
        ),
        (Locale::Ja, CaseUpdate::FreezeLifted) => (
            format!("{SERVICE_NAME}：ウォレットの凍結を解除しました"),
            format!(
                "不正利用の報告（受付番号 {number}）によるウォレットの凍結を、サポートが解除しました。\
                 チャージ、支払いコード、店舗での支払いを再びご利用いただけます。\n\n\
                 報告の対応状況は次のページで確認できます。\n\n{link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_out_in_utc() {
        assert_eq!(
            utc_time(Locale::En, 0),
            "Thursday, 1 January 1970, 00:00 UTC"
        );
        // 2026-11-21 07:44:42 UTC.
        assert_eq!(
            utc_time(Locale::En, 1_795_247_082),
            "Saturday, 21 November 2026, 07:44 UTC"
        );
        assert_eq!(
            utc_time(Locale::Ja, 1_795_247_082),
            "2026年11月21日（土）7時44分（UTC）"
        );
        // A leap day, and the turn of a century that is a leap year.
        assert_eq!(
            utc_time(Locale::En, 951_782_400),
            "Tuesday, 29 February 2000, 00:00 UTC"
        );
        assert_eq!(
            utc_time(Locale::En, 1_709_251_199),
            "Thursday, 29 February 2024, 23:59 UTC"
        );
    }

    #[test]
    fn addresses_are_masked_to_a_hint() {
        assert_eq!(mask_email("hana@example.jp"), "h…@example.jp");
        assert_eq!(mask_email("ゆき@例え.jp"), "ゆ…@例え.jp");
        assert_eq!(mask_email("nonsense"), "…");
    }

    #[test]
    fn every_mail_exists_in_every_language() {
        let facts = SignInFacts {
            at: 0,
            address: "192.0.2.1",
            browser: Some("Firefox"),
            os: None,
        };
        for locale in Locale::ALL {
            let mails = [
                totp_enabled(locale, "a@b.cd", 10, "L"),
                totp_disabled(locale, "a@b.cd", "L"),
                recovery_code_used(locale, "a@b.cd", 9, "L"),
                new_device(locale, "a@b.cd", &facts, "L"),
                email_change_link(locale, "a@b.cd", "L"),
                email_change_taken(locale, "a@b.cd", "L"),
                email_change_requested(locale, "a@b.cd", "n…@x.y", "L"),
                email_changed(locale, "a@b.cd", "n…@x.y", "L"),
                dispute_submitted(
                    locale,
                    "a@b.cd",
                    &DisputeFacts {
                        number: "D-L",
                        amount: portal_api::money::Money {
                            minor: -500,
                            currency: portal_api::money::Currency::JPY,
                        },
                        merchant: None,
                        at: 0,
                    },
                    "L",
                ),
            ];
            for mail in mails {
                assert!(mail.body.contains('L'), "{}", mail.subject);
                assert!(mail.subject.contains(SERVICE_NAME));
            }
        }
    }
}
