//! The text of the wallet's mails, in each language the portal speaks. Every top-up is told to
//! the customer (docs/threat-model.md#t10), so one they did not make is noticed at once.

use super::Mail;
use portal_api::dto::Locale;
use portal_api::money::Money;
use portal_api::SERVICE_NAME;

/// Sent when a top-up has gone through: the amount and the card it came from.
pub fn top_up_completed(
    locale: Locale,
    to: &str,
    amount: Money,
    brand: &str,
    last4: &str,
    wallet_link: &str,
) -> Mail {
    let amount = amount.format(locale);
    let (subject, body) = match locale {
        Locale::En => (
            format!("{SERVICE_NAME}: {amount} added to your wallet"),
            format!(
                "{amount} was added to your {SERVICE_NAME} wallet from your {brand} card ending in {last4}.\n\n\
                 Your balance and history:\n\n{wallet_link}\n\n\
                 If you did not top up, someone else may be using your account: change your password at \
                 once, remove the card and contact support.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：{amount}をチャージしました"),
            format!(
                "末尾{last4}の{brand}カードから、{SERVICE_NAME}のウォレットに{amount}をチャージしました。\n\n\
                 残高と利用履歴はこちらでご確認いただけます。\n\n{wallet_link}\n\n\
                 お心当たりのない場合は、第三者がアカウントを使用している可能性があります。ただちにパスワードを変更し、\
                 カードを削除して、サポートにご連絡ください。\n"
            ),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body,
    }
}

/// Sent when the card network refused a top-up: nothing was charged and nothing added.
pub fn top_up_declined(
    locale: Locale,
    to: &str,
    amount: Money,
    brand: &str,
    last4: &str,
    wallet_link: &str,
) -> Mail {
    let amount = amount.format(locale);
    let (subject, body) = match locale {
        Locale::En => (
            format!("{SERVICE_NAME}: a top-up of {amount} was declined"),
            format!(
                "A top-up of {amount} to your {SERVICE_NAME} wallet from your {brand} card ending in {last4} \
                 was declined by the card network. Nothing was charged and your balance is unchanged.\n\n\
                 You can try another card:\n\n{wallet_link}\n\n\
                 If you did not try to top up, someone else may be using your account: change your password \
                 at once and contact support.\n"
            ),
        ),
        Locale::Ja => (
            format!("{SERVICE_NAME}：{amount}のチャージができませんでした"),
            format!(
                "末尾{last4}の{brand}カードから{SERVICE_NAME}のウォレットへの{amount}のチャージは、カード会社により\
                 承認されませんでした。請求は発生しておらず、残高も変わっていません。\n\n\
                 別のカードでお試しいただけます。\n\n{wallet_link}\n\n\
                 お心当たりのない場合は、第三者がアカウントを使用している可能性があります。ただちにパスワードを変更し、\
                 サポートにご連絡ください。\n"
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
    use portal_api::money::Currency;

    #[test]
    fn top_up_mails_carry_the_amount_and_the_last_four_digits() {
        let amount = Money {
            minor: 12_345,
            currency: Currency::JPY,
        };
        for locale in Locale::ALL {
            for mail in [
                top_up_completed(locale, "a@b.cd", amount, "Visa", "4242", "L"),
                top_up_declined(locale, "a@b.cd", amount, "Visa", "4242", "L"),
            ] {
                assert!(mail.subject.contains(SERVICE_NAME));
                assert!(mail.subject.contains(&amount.format(locale)));
                assert!(mail.body.contains(&amount.format(locale)));
                assert!(mail.body.contains("4242") && mail.body.contains('L'));
            }
        }
        let ja = top_up_completed(Locale::Ja, "a@b.cd", amount, "Visa", "4242", "L");
        assert!(ja.subject.contains("￥12,345"));
    }
}
