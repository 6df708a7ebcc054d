//! `/wallet/top-up`: money in from a registered card, after step-up (docs/threat-model.md#t9). The
//! page checks the limits it shows; the server checks them again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::dto::{Locale, Me};
use portal_api::error::ErrorCode;
use portal_api::money::Money;
use portal_api::wallet::{Card, TopUpRequest, TransactionStatus, Wallet};

use super::freeze::FreezeBanner;
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::account::step_up::{MoneyGate, StepUp};
use crate::api;
use crate::components::{Field, FormAlert, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::pages::focus_soon;
use crate::route::{MoneyPage, Route};

#[component]
pub fn TopUp() -> impl IntoView {
    view! {
        <SignedInPage title=WalletMsg::TopUpTitle back=Route::Wallet render=|me| view! { <TopUpLoader me /> } />
    }
}

/// "Visa ending 4242, expires 12/2030".
pub fn card_name(card: &Card, locale: Locale) -> String {
    let brand = match card.brand.as_str() {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "jcb" => "JCB",
        "amex" => "American Express",
        "diners" => "Diners Club",
        _ => "Card",
    };
    fill(
        WalletMsg::CardName.text(locale),
        &[
            ("brand", brand),
            ("last4", &card.last4),
            ("month", &format!("{:02}", card.exp_month)),
            ("year", &card.exp_year.to_string()),
        ],
    )
}

#[component]
fn TopUpLoader(me: Me) -> impl IntoView {
    let wallet = RwSignal::new(None::<Wallet>);
    let cards = RwSignal::new(None::<Vec<Card>>);
    let problem = RwSignal::new(None::<Problem>);
    let load_wallet = move || {
        spawn_local(async move {
            match api::wallet().await {
                Ok(w) => {
                    wallet.try_set(Some(w));
                }
                Err(e) => signed_out_or(&e, problem),
            }
        })
    };
    load_wallet();
    // The server refused because a report froze the wallet meanwhile: show why, not a form.
    let on_frozen = Callback::new(move |_| load_wallet());
    let freeze = Signal::derive(move || wallet.with(|w| w.as_ref().and_then(|w| w.freeze.clone())));
    spawn_local(async move {
        match api::cards().await {
            Ok(list) => {
                cards.try_set(Some(list));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    let step_up = StepUp::for_money(&me);
    let two_step_on = me.totp_enabled;
    view! {
        <FormAlert problem />
        <FreezeBanner freeze />
        {move || match (wallet.get(), cards.get()) {
            // Nothing to offer that would not be refused.
            (Some(w), _) if w.freeze.is_some() => ().into_any(),
            (Some(_), Some(list)) if list.is_empty() => view! {
                <p>{t(WalletMsg::NoCards)}</p>
                <p><A href=Route::Cards.href()>{t(WalletMsg::AddCardLink)}</A></p>
            }
            .into_any(),
            (Some(w), Some(list)) => view! {
                <MoneyGate step_up two_step_on back=MoneyPage::TopUp>
                    <TopUpForm wallet=RwSignal::new(w.clone()) cards=list.clone() step_up on_frozen />
                </MoneyGate>
            }
            .into_any(),
            _ => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
        }}
    }
}

#[component]
fn TopUpForm(
    wallet: RwSignal<Wallet>,
    cards: Vec<Card>,
    step_up: StepUp,
    on_frozen: Callback<()>,
) -> impl IntoView {
    let locale = use_locale();
    let card = RwSignal::new(cards.first().map(|c| c.id.clone()).unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let amount_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(None::<(Money, TransactionStatus)>);
    let busy = RwSignal::new(false);
    // One key per attempt: a retry of the same attempt (after a lost answer) reuses it.
    let key = RwSignal::new(api::idempotency_key());
    let currency = wallet.with_untracked(|w| w.balance.currency);

    let left_today = move || {
        wallet.with(|w| Money {
            minor: (w.limits.daily.minor - w.limits.used_today.minor).max(0),
            currency: w.limits.daily.currency,
        })
    };
    let hint = Signal::derive(move || {
        let loc = locale.get();
        fill(
            WalletMsg::TopUpHint.text(loc),
            &[
                ("per", &wallet.with(|w| w.limits.per_top_up.format(loc))),
                ("left", &left_today().format(loc)),
            ],
        )
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        done.set(None);
        let parsed = Money::parse(&amount.get_untracked(), currency);
        let within = parsed.filter(|m| {
            m.minor <= wallet.with_untracked(|w| w.limits.per_top_up.minor)
                && m.minor <= left_today().minor
        });
        amount_error.set(match (parsed, within) {
            (None, _) => Some(Problem::Code(ErrorCode::AmountInvalid)),
            (Some(_), None) => Some(Problem::Code(ErrorCode::LimitExceeded)),
            _ => None,
        });
        let Some(money) = within else {
            return focus_soon("amount");
        };
        busy.set(true);
        let request = TopUpRequest {
            card_id: card.get_untracked(),
            amount: money,
        };
        spawn_local(async move {
            let result = api::top_up(&request, &key.get_untracked()).await;
            busy.set(false);
            if !matches!(result, Err(api::ApiError::Network)) {
                key.set(api::idempotency_key());
            }
            match result {
                Ok(tx) => {
                    amount.set(String::new());
                    if let Ok(w) = api::wallet().await {
                        wallet.try_set(w);
                    }
                    done.try_set(Some((tx.amount, tx.status)));
                    focus_soon("top-up-status");
                }
                Err(e) if step_up.expired(&e) => {}
                Err(e) => match e.code() {
                    Some(ErrorCode::WalletFrozen) => on_frozen.run(()),
                    Some(ErrorCode::AmountInvalid | ErrorCode::LimitExceeded) => {
                        amount_error.set(Some(from_api(&e).1));
                        focus_soon("amount");
                    }
                    _ => {
                        signed_out_or(&e, form_error);
                        focus_soon("form-alert");
                    }
                },
            }
        });
    };

    let done_text = move || {
        let loc = locale.get();
        done.get().map(|(money, status)| match status {
            TransactionStatus::Pending => WalletMsg::TopUpPending.text(loc).to_owned(),
            _ => fill(
                WalletMsg::TopUpDone.text(loc),
                &[
                    ("amount", &money.format(loc)),
                    ("balance", &wallet.with(|w| w.balance.format(loc))),
                ],
            ),
        })
    };

    view! {
        <p id="top-up-status" class="success" role="status" tabindex="-1" class:hidden=move || done.with(Option::is_none)>
            {done_text}
        </p>
        <FormAlert problem=form_error />
        <form on:submit=submit novalidate>
            <div class="field">
                <label for="card">{t(WalletMsg::CardLabel)}</label>
                <select id="card" on:change=move |ev| card.set(event_target_value(&ev))>
                    {cards
                        .into_iter()
                        .map(|c| {
                            let id = c.id.clone();
                            view! {
                                <option value=id.clone() prop:selected=move || card.get() == id>
                                    {move || card_name(&c, locale.get())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <Field
                id="amount"
                label=WalletMsg::AmountLabel
                inputmode="numeric"
                autocomplete="off"
                required=true
                hint
                value=amount
                error=amount_error
            />
            <SubmitButton label=WalletMsg::TopUpButton busy_label=WalletMsg::ToppingUp busy=busy.into() />
        </form>
    }
}
