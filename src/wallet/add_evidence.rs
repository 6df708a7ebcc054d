//! Adding to a case: more screenshots, a note or both, on a fraud report at any time, or as the
//! answer to support's question on a dispute. One form for both, as the server has one request
//! for both (`AddEvidenceRequest`); nothing sent before is ever replaced.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::error::{ErrorCode, FieldError};
use portal_api::evidence::{AddEvidenceRequest, FraudReport, Screenshot, REPORT_TEXT_MAX_CHARS};
use portal_api::wallet::{free_text, Dispute, DisputeStatus, DISPUTE_DETAILS_MAX_CHARS};

use super::screenshots::{ScreenshotPicker, Uploads};
use super::text::WalletMsg;
use crate::account::me::signed_out_or;
use crate::api;
use crate::components::{SubmitButton, TextArea};
use crate::form::{from_api, Problem};
use crate::locale::{t, use_locale};
use crate::pages::focus_soon;

/// The case an addition goes to, updated in place with the server's answer.
#[derive(Clone, Copy)]
pub enum AddTo {
    Report(RwSignal<Option<FraudReport>>),
    /// Only while support waits for the customer's answer.
    Dispute(RwSignal<Option<Dispute>>),
}

/// The words of the form, for each kind of case.
struct Words {
    heading: WalletMsg,
    intro: WalletMsg,
    note: WalletMsg,
    button: WalletMsg,
    busy: WalletMsg,
    done: WalletMsg,
}

impl AddTo {
    fn id(self) -> String {
        match self {
            AddTo::Report(r) => r.with_untracked(|r| r.as_ref().map(|r| r.id.clone())),
            AddTo::Dispute(d) => d.with_untracked(|d| d.as_ref().map(|d| d.id.clone())),
        }
        .unwrap_or_default()
    }

    /// The longest note, as the server counts (a dispute's answer is as long as its details).
    fn max_chars(self) -> usize {
        match self {
            AddTo::Report(_) => REPORT_TEXT_MAX_CHARS,
            AddTo::Dispute(_) => DISPUTE_DETAILS_MAX_CHARS,
        }
    }

    /// Whether the case takes an addition now: a dispute only until it is answered.
    fn takes_more(self) -> bool {
        match self {
            AddTo::Report(_) => true,
            AddTo::Dispute(d) => d.with(|d| {
                d.as_ref()
                    .is_some_and(|d| d.status == DisputeStatus::MoreInfoNeeded)
            }),
        }
    }

    fn words(self) -> Words {
        match self {
            AddTo::Report(_) => Words {
                heading: WalletMsg::AddEvidenceHeading,
                intro: WalletMsg::AddEvidenceIntro,
                note: WalletMsg::NoteLabel,
                button: WalletMsg::AddEvidenceButton,
                busy: WalletMsg::AddingEvidence,
                done: WalletMsg::EvidenceAdded,
            },
            AddTo::Dispute(_) => Words {
                heading: WalletMsg::AnswerHeading,
                intro: WalletMsg::AnswerIntro,
                note: WalletMsg::AnswerLabel,
                button: WalletMsg::SendAnswer,
                busy: WalletMsg::SendingAnswer,
                done: WalletMsg::AnswerSent,
            },
        }
    }

    /// Sends the addition and puts the case as it now is in place.
    async fn send(self, request: AddEvidenceRequest) -> Result<(), api::ApiError> {
        let id = self.id();
        match self {
            AddTo::Report(r) => r.set(Some(api::add_evidence(&id, &request).await?)),
            AddTo::Dispute(d) => d.set(Some(api::add_dispute_evidence(&id, &request).await?)),
        }
        Ok(())
    }
}

/// "Add screenshots or a note" on a report, "Answer support" on a dispute.
#[component]
pub fn AddEvidence(to: AddTo) -> impl IntoView {
    let locale = use_locale();
    let words = to.words();
    let max_chars = to.max_chars();
    let note = RwSignal::new(String::new());
    let note_error = RwSignal::new(None::<Problem>);
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let uploads = Uploads::new();
    let (hint, left) = super::text_hint_and_count(note, max_chars, WalletMsg::DetailsHint);

    let send = Callback::new(move |_| {
        uploads.lock(true);
        let text = note.get_untracked();
        let request = AddEvidenceRequest {
            screenshots: uploads.ids(),
            note: (!text.trim().is_empty()).then_some(text),
        };
        spawn_local(async move {
            let result = to.send(request).await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    uploads.sent();
                    note.set(String::new());
                    done.set(true);
                    focus_soon("add-evidence-status");
                }
                Err(e) => {
                    uploads.lock(false);
                    let (field, shown) = from_api(&e);
                    match (field.as_deref(), e.code()) {
                        (Some("note"), Some(code))
                        | (_, Some(code @ ErrorCode::EvidenceRequired)) => {
                            note_error.set(Some(Problem::Code(code)));
                            focus_soon("note");
                        }
                        _ => {
                            signed_out_or(&e, problem);
                            if problem.with_untracked(Option::is_none) {
                                problem.set(Some(shown));
                            }
                            focus_soon("add-evidence-alert");
                        }
                    }
                }
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        done.set(false);
        let has_text = note.with_untracked(|n| !n.trim().is_empty());
        let has_files = !uploads.ids().is_empty() || untrack(|| uploads.running());
        let checked = if has_text {
            note.with_untracked(|n| free_text(n, max_chars, "note"))
                .map(|_| ())
        } else if has_files {
            Ok(())
        } else {
            Err(FieldError {
                code: ErrorCode::EvidenceRequired,
                field: "note",
            })
        };
        note_error.set(checked.err().map(|e| Problem::Code(e.code)));
        if checked.is_err() {
            return focus_soon("note");
        }
        busy.set(true);
        uploads.after_uploads(send);
    };

    view! {
        <section class="add-evidence" aria-labelledby="add-evidence-heading">
            <h2 id="add-evidence-heading">{t(words.heading)}</h2>
            <p id="add-evidence-status" class="success" role="status" tabindex="-1" class:hidden=move || !done.get()>
                {move || done.get().then(t(words.done))}
            </p>
            {move || problem.get().map(|p| view! {
                <div id="add-evidence-alert" class="form-alert" role="alert" tabindex="-1">
                    {move || p.text(locale.get())}
                </div>
            })}
            // A dispute takes one answer per question: once sent, the form goes until support
            // asks again.
            <div class:hidden=move || !to.takes_more()>
                <p>{t(words.intro)}</p>
                <form on:submit=submit novalidate>
                    <ScreenshotPicker uploads id="more-screenshots" />
                    <TextArea id="note" label=words.note value=note error=note_error
                        hint max_chars left_text=left optional=true />
                    <p class="muted" role="status">
                        {move || uploads.waiting().then(t(WalletMsg::WaitingForUploads))}
                    </p>
                    <SubmitButton label=words.button busy_label=words.busy
                        busy=Signal::derive(move || busy.get()) />
                </form>
            </div>
        </section>
    }
}

/// The names of the screenshots one step of a timeline added, in the order they were sent.
#[component]
pub fn AddedFiles(ids: Vec<String>, screenshots: Signal<Vec<Screenshot>>) -> impl IntoView {
    let names = move || {
        screenshots.with(|all| {
            ids.iter()
                .filter_map(|id| all.iter().find(|s| s.id == *id).map(|s| s.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        {move || {
            let names = names();
            (!names.is_empty()).then(|| view! {
                <ul class="added-files">
                    {names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            })
        }}
    }
}
