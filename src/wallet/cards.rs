//! `/wallet/cards`: the cards top-ups come from. Removing one needs step-up, adding one a step-up
//! with two-step verification (docs/threat-model.md#t9); card details go to the processor, never
//! into the portal's database.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::Me;
use portal_api::error::ErrorCode;
use portal_api::wallet::{AddCardRequest, Card};

use super::freeze::{load_freeze, FreezeBanner};
use super::text::WalletMsg;
use super::top_up::card_name;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::account::step_up::{MoneyGate, StepUp, StepUpGate};
use crate::api;
use crate::components::{Field, FormAlert, SubmitButton};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::pages::focus_soon;
use crate::route::{MoneyPage, Route};

const STATUS_ID: &str = "cards-status";

#[component]
pub fn Cards() -> impl IntoView {
    view! {
        <SignedInPage title=WalletMsg::CardsTitle back=Route::Wallet render=|me| view! { <CardList me /> } />
    }
}

#[component]
fn CardList(me: Me) -> impl IntoView {
    let locale = use_locale();
    let cards = RwSignal::new(None::<Vec<Card>>);
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(None::<WalletMsg>);
    let step_up = StepUp::new(&me);
    let money = StepUp::for_money(&me);
    let two_step_on = me.totp_enabled;
    let reload = move || {
        spawn_local(async move {
            match api::cards().await {
                Ok(list) => {
                    cards.try_set(Some(list));
                }
                Err(e) => signed_out_or(&e, problem),
            }
        })
    };
    reload();
    let freeze = load_freeze();
    let remove = move |card: Card| {
        problem.set(None);
        done.set(None);
        spawn_local(async move {
            match api::remove_card(&card.id).await {
                Ok(()) => {
                    done.set(Some(WalletMsg::CardRemoved));
                    reload();
                    focus_soon(STATUS_ID);
                }
                Err(e) if step_up.expired(&e) => {}
                Err(e) => {
                    signed_out_or(&e, problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    view! {
        <FreezeBanner freeze />
        <p id=STATUS_ID class="status" role="status" tabindex="-1">
            {move || done.get().map(|m| m.text(locale.get()))}
        </p>
        <FormAlert problem />
        {move || match cards.get() {
            None => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            Some(list) if list.is_empty() => view! { <p class="muted">{t(WalletMsg::NoCardsYet)}</p> }.into_any(),
            Some(list) => view! {
                <ul class="cards">
                    {list
                        .into_iter()
                        .map(|card| {
                            let label = {
                                let card = card.clone();
                                move || fill(
                                    WalletMsg::RemoveCard.text(locale.get()),
                                    &[("card", &card_name(&card, locale.get()))],
                                )
                            };
                            let name = {
                                let card = card.clone();
                                move || card_name(&card, locale.get())
                            };
                            view! {
                                <li class="card-row">
                                    <span>{name}</span>
                                    <StepUpGate step_up>
                                        {
                                            let card = card.clone();
                                            let label = label.clone();
                                            view! {
                                                <button type="button" class="secondary" aria-label=label
                                                    on:click=move |_| remove(card.clone())>
                                                    {t(WalletMsg::RemoveButton)}
                                                </button>
                                            }
                                        }
                                    </StepUpGate>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        }}
        <section aria-labelledby="add-card-heading">
            <h2 id="add-card-heading">{t(WalletMsg::AddCardHeading)}</h2>
            <MoneyGate step_up=money two_step_on back=MoneyPage::Cards>
                <AddCard step_up=money on_added=Callback::new(move |_| {
                    done.set(Some(WalletMsg::CardAdded));
                    reload();
                    focus_soon(STATUS_ID);
                }) />
            </MoneyGate>
        </section>
    }
}

#[component]
fn AddCard(step_up: StepUp, on_added: Callback<()>) -> impl IntoView {
    let number = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let cvc = RwSignal::new(String::new());
    let errors: [RwSignal<Option<Problem>>; 4] = std::array::from_fn(|_| RwSignal::new(None));
    let [number_error, month_error, year_error, cvc_error] = errors;
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let locale = use_locale();
    let hint = Signal::derive(move || WalletMsg::CardStoredHint.text(locale.get()).to_owned());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let required = Problem::Other(crate::form::OtherText(&WalletMsg::FieldRequired));
        let fields = [
            (number, number_error, "card-number"),
            (month, month_error, "exp-month"),
            (year, year_error, "exp-year"),
            (cvc, cvc_error, "cvc"),
        ];
        for (value, error, _) in fields {
            error.set(
                value
                    .with_untracked(|v| v.trim().is_empty())
                    .then(|| required.clone()),
            );
        }
        if let Some((_, _, id)) = fields
            .iter()
            .find(|(_, e, _)| e.with_untracked(Option::is_some))
        {
            return focus_soon(id);
        }
        let (Ok(exp_month), Ok(exp_year)) = (
            month.get_untracked().trim().parse::<u8>(),
            year.get_untracked().trim().parse::<u16>(),
        ) else {
            form_error.set(Some(Problem::Code(ErrorCode::CardInvalid)));
            return focus_soon("form-alert");
        };
        busy.set(true);
        let request = AddCardRequest {
            number: number.get_untracked(),
            exp_month,
            exp_year,
            cvc: cvc.get_untracked(),
        };
        spawn_local(async move {
            let result = api::add_card(&request).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    for field in [number, month, year, cvc] {
                        field.set(String::new());
                    }
                    on_added.run(());
                }
                Err(e) if step_up.expired(&e) => {}
                Err(e) => {
                    let (field, problem) = from_api(&e);
                    let (target, id) = match field.as_deref() {
                        Some("number") => (number_error, "card-number"),
                        Some("exp_month") => (month_error, "exp-month"),
                        Some("exp_year") => (year_error, "exp-year"),
                        Some("cvc") => (cvc_error, "cvc"),
                        _ => {
                            signed_out_or(&e, form_error);
                            return focus_soon("form-alert");
                        }
                    };
                    target.set(Some(problem));
                    focus_soon(id);
                }
            }
        });
    };

    view! {
        <FormAlert problem=form_error />
        <form on:submit=submit novalidate>
            <Field id="card-number" label=WalletMsg::CardNumberLabel inputmode="numeric"
                autocomplete="cc-number" required=true hint value=number error=number_error />
            <div class="field-row">
                <Field id="exp-month" label=WalletMsg::ExpMonthLabel inputmode="numeric"
                    autocomplete="cc-exp-month" required=true value=month error=month_error />
                <Field id="exp-year" label=WalletMsg::ExpYearLabel inputmode="numeric"
                    autocomplete="cc-exp-year" required=true value=year error=year_error />
            </div>
            <Field id="cvc" label=WalletMsg::CvcLabel inputmode="numeric"
                autocomplete="cc-csc" required=true value=cvc error=cvc_error />
            <SubmitButton label=WalletMsg::AddCardButton busy_label=WalletMsg::AddingCard busy=busy.into() />
        </form>
    }
}
