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
                 ご本人の場合は、こちらからサインインしてください。\n\n{sign_in_link}\n\n\
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
                 サインインするとこのリンクは無効になります。\n"
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
                 ご本人による変更であれば、対応は不要です。お心当たりのない場合は、ただちにサインイン画面からパスワードを再設定し、サポートにご連絡ください。\n\n{sign_in_link}\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}
