//! Screenshots as evidence: the picker shared by fraud reports and disputes, and the list that
//! shows the ones already attached.
//!
//! Each chosen file uploads in turn, one request per file and two at a time (as many as the
//! server takes from one customer at once), with its own progress bar; then the row shows what
//! the server kept (name, pixels, size, a thumbnail). Until the form is sent, a
//! file can be removed again; the form sends only the ids of finished uploads and waits while
//! any is still running.

use std::collections::{HashMap, VecDeque};

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::dto::Locale;
use portal_api::error::ErrorCode;
use portal_api::evidence::{
    file_name, Screenshot, SCREENSHOTS_PER_SUBMISSION, SCREENSHOT_ACCEPT, SCREENSHOT_MAX_BYTES,
    UPLOADS_AT_ONCE_PER_CUSTOMER,
};
use web_sys::HtmlInputElement;

use super::text::WalletMsg;
use super::upload::{self, File, Request};
use crate::api::{self, ApiError};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Text};
use crate::locale::{format_count, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{use_navigate, Route};

#[derive(Debug, Clone, PartialEq)]
enum State {
    Uploading,
    Done(Screenshot),
    /// The DELETE is on its way.
    Removing(Screenshot),
    /// Refused, here or by the server; the row says why.
    Failed,
}

/// One chosen file. Its signals are reference-counted (not owned by a component) because they
/// are created in an event handler and outlive it.
#[derive(Debug, Clone)]
struct Entry {
    key: u32,
    name: String,
    /// (bytes sent, bytes in all)
    progress: ArcRwSignal<(f64, f64)>,
    state: ArcRwSignal<State>,
    problem: ArcRwSignal<Option<Problem>>,
}

impl Entry {
    fn holds_a_place(&self) -> bool {
        self.state.with_untracked(|s| !matches!(s, State::Failed))
    }
}

/// What a screenshot row tells the polite live region.
#[derive(Debug, Clone, PartialEq)]
struct News(WalletMsg, String);

/// What starts one row's upload.
type Start = Box<dyn FnOnce()>;

/// The files of one picker. Created by the form that sends them, which reads [`Uploads::ids`]
/// and waits while [`Uploads::running`].
#[derive(Clone, Copy)]
pub struct Uploads {
    entries: RwSignal<Vec<Entry>>,
    requests: StoredValue<HashMap<u32, Request>, LocalStorage>,
    /// Uploads not yet started, by row, each started once fewer than
    /// [`UPLOADS_AT_ONCE_PER_CUSTOMER`] requests are running.
    queued: StoredValue<VecDeque<(u32, Start)>, LocalStorage>,
    next_key: StoredValue<u32>,
    /// While the form is being sent nothing may be removed from under it.
    locked: RwSignal<bool>,
    news: RwSignal<Option<News>>,
    /// A form asked to be sent once the running uploads end.
    waiting: RwSignal<bool>,
    then: StoredValue<Option<Callback<()>>>,
    /// The session ended meanwhile. Captured up front: upload callbacks run outside any
    /// component, where the router cannot be looked up.
    to_sign_in: Callback<()>,
}

impl Uploads {
    /// Leaving the page (any navigation within the app) stops running uploads and deletes the
    /// finished ones that were never sent: they would otherwise count against the customer's
    /// ten unattached screenshots, with no page to find them on.
    pub fn new() -> Self {
        let navigate = use_navigate();
        let uploads = Uploads {
            entries: RwSignal::new(Vec::new()),
            requests: StoredValue::new_local(HashMap::new()),
            queued: StoredValue::new_local(VecDeque::new()),
            next_key: StoredValue::new(0),
            locked: RwSignal::new(false),
            news: RwSignal::new(None),
            to_sign_in: Callback::new(move |_| navigate(Route::SignIn, true)),
            waiting: RwSignal::new(false),
            then: StoredValue::new(None),
        };
        Effect::new(move |_| {
            if uploads.waiting.get() && !uploads.running() {
                uploads.waiting.set(false);
                if let Some(send) = uploads.then.try_update_value(Option::take).flatten() {
                    send.run(());
                }
            }
        });
        on_cleanup(move || {
            // Emptied first: an aborted request ends at once, and its end starts the next one.
            uploads.queued.try_update_value(VecDeque::clear);
            uploads.requests.try_update_value(|running| {
                for (_, xhr) in running.drain() {
                    xhr.abort();
                }
            });
            for id in uploads.leftovers() {
                spawn_local(async move {
                    let _ = api::delete_evidence(&id).await;
                });
            }
        });
        uploads
    }

    /// The ids of the finished uploads, in the order they were chosen.
    pub fn ids(self) -> Vec<String> {
        self.entries.with_untracked(|list| {
            list.iter()
                .filter_map(|e| match e.state.get_untracked() {
                    State::Done(s) => Some(s.id),
                    _ => None,
                })
                .collect()
        })
    }

    /// What leaving the page must delete: everything uploaded and not sent.
    fn leftovers(self) -> Vec<String> {
        self.entries
            .try_with_untracked(|list| {
                list.iter()
                    .filter_map(|e| match e.state.get_untracked() {
                        State::Done(s) | State::Removing(s) => Some(s.id),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True while any file is still on its way up (or being removed).
    pub fn running(self) -> bool {
        self.entries.with(|list| {
            list.iter().any(|e| {
                e.state
                    .with(|s| matches!(s, State::Uploading | State::Removing(_)))
            })
        })
    }

    /// Runs `send` now if no upload is running, else as soon as none is: a form never goes
    /// without a screenshot that was still on its way up.
    pub fn after_uploads(self, send: Callback<()>) {
        if untrack(|| self.running()) {
            self.then.set_value(Some(send));
            self.waiting.set(true);
        } else {
            send.run(());
        }
    }

    /// True while a form waits for uploads to end before it is sent.
    pub fn waiting(self) -> bool {
        self.waiting.get()
    }

    /// Set while the form is being sent, so no file is removed from under it.
    pub fn lock(self, locked: bool) {
        self.locked.set(locked);
    }

    /// After the form was sent: the files are part of it now, shown by the page it leads to, and
    /// no longer this picker's to remove or to clean up.
    pub fn sent(self) {
        self.locked.set(false);
        self.entries.set(Vec::new());
    }

    fn add(self, file: File) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let name = file.name();
        let places = self
            .entries
            .with_untracked(|list| list.iter().filter(|e| e.holds_a_place()).count());
        // The server refuses all of these too; refusing here saves sending up to 10 MB for
        // nothing.
        let refused = if file_name(&name).is_err() {
            Some(ErrorCode::FileNameInvalid)
        } else if file.size() == 0.0 {
            Some(ErrorCode::FileEmpty)
        } else if file.size() > SCREENSHOT_MAX_BYTES as f64 {
            Some(ErrorCode::FileTooLarge)
        } else if places >= SCREENSHOTS_PER_SUBMISSION {
            Some(ErrorCode::TooManyFiles)
        } else {
            None
        };
        let entry = Entry {
            key,
            name: name.clone(),
            progress: ArcRwSignal::new((0.0, file.size())),
            state: ArcRwSignal::new(if refused.is_some() {
                State::Failed
            } else {
                State::Uploading
            }),
            problem: ArcRwSignal::new(refused.map(Problem::Code)),
        };
        self.entries.update(|list| list.push(entry.clone()));
        if refused.is_some() {
            return;
        }

        let progress = entry.progress.clone();
        let on_progress = move |sent, total| progress.set((sent, total));
        let finished = entry.clone();
        let on_end = move |result: Result<Screenshot, ApiError>| {
            self.requests
                .try_update_value(|running| running.remove(&key));
            self.start_queued();
            // Removed (aborted) meanwhile: nothing left to show.
            let present = self
                .entries
                .try_with_untracked(|list| list.iter().any(|e| e.key == key))
                .unwrap_or(false);
            if !present {
                return;
            }
            match result {
                Ok(shot) => {
                    finished.progress.update(|(sent, total)| *sent = *total);
                    finished.state.set(State::Done(shot));
                    self.news
                        .try_set(Some(News(WalletMsg::UploadedNews, finished.name.clone())));
                }
                Err(e) => {
                    if e.code() == Some(ErrorCode::NotSignedIn) {
                        self.to_sign_in.run(());
                    }
                    finished.state.set(State::Failed);
                    finished.problem.set(Some(from_api(&e).1));
                }
            }
        };
        let start = move || match upload::start(&file, on_progress, on_end) {
            Ok(xhr) => {
                self.requests.try_update_value(|running| {
                    running.insert(key, xhr);
                });
            }
            Err(e) => {
                entry.state.set(State::Failed);
                entry.problem.set(Some(from_api(&e).1));
            }
        };
        self.queued
            .update_value(|queued| queued.push_back((key, Box::new(start))));
        self.start_queued();
    }

    /// Starts queued uploads while fewer than the server takes at once are running. A row
    /// removed while it waited is skipped.
    fn start_queued(self) {
        while self
            .requests
            .try_with_value(|running| running.len() < UPLOADS_AT_ONCE_PER_CUSTOMER)
            .unwrap_or(false)
        {
            let Some((key, start)) = self.queued.try_update_value(VecDeque::pop_front).flatten()
            else {
                return;
            };
            let present = self
                .entries
                .try_with_untracked(|list| list.iter().any(|e| e.key == key))
                .unwrap_or(false);
            if present {
                start();
            }
        }
    }

    /// The row is gone (removed, or never uploaded); says so, and puts focus on the file
    /// input, where the customer carries on, since the row's button went with it.
    fn removed(self, entry: &Entry, input_id: &'static str) {
        self.entries
            .try_update(|list| list.retain(|e| e.key != entry.key));
        self.news
            .try_set(Some(News(WalletMsg::RemovedNews, entry.name.clone())));
        focus_soon(input_id);
    }

    fn remove(self, entry: Entry, input_id: &'static str) {
        if self.locked.get_untracked() {
            return;
        }
        match entry.state.get_untracked() {
            State::Uploading => {
                if let Some(xhr) = self
                    .requests
                    .try_update_value(|running| running.remove(&entry.key))
                    .flatten()
                {
                    xhr.abort();
                }
                self.removed(&entry, input_id);
            }
            State::Failed => self.removed(&entry, input_id),
            State::Removing(_) => {}
            State::Done(shot) => {
                entry.problem.set(None);
                entry.state.set(State::Removing(shot.clone()));
                spawn_local(async move {
                    match api::delete_evidence(&shot.id).await {
                        Ok(()) => self.removed(&entry, input_id),
                        // Already gone is what was asked for.
                        Err(e) if e.code() == Some(ErrorCode::NotFound) => {
                            self.removed(&entry, input_id)
                        }
                        Err(e) => {
                            if e.code() == Some(ErrorCode::NotSignedIn) {
                                self.to_sign_in.run(());
                            }
                            entry.state.set(State::Done(shot));
                            entry.problem.set(Some(from_api(&e).1));
                        }
                    }
                });
            }
        }
    }
}

/// "34 KB", "2.4 MB": as a file manager would say it, in the reader's number format.
pub fn file_size(bytes: u64, locale: Locale) -> String {
    const KB: u64 = 1024;
    if bytes < KB * KB {
        format!("{} KB", format_count(bytes.div_ceil(KB), locale))
    } else {
        let tenths = (bytes * 10).div_ceil(KB * KB);
        let whole = format_count(tenths / 10, locale);
        format!("{whole}.{} MB", tenths % 10)
    }
}

/// "1,170 × 2,532 px · 412 KB"
pub fn dimensions(shot: &Screenshot, locale: Locale) -> String {
    format!(
        "{} × {} px · {}",
        format_count(u64::from(shot.width), locale),
        format_count(u64::from(shot.height), locale),
        file_size(shot.size, locale)
    )
}

/// A thumbnail that opens the stored image. A new tab, so the form being filled in stays as it
/// is (and the in-app router leaves the link alone).
#[component]
pub fn Thumbnail(shot: Screenshot) -> impl IntoView {
    let locale = use_locale();
    let label = {
        let name = shot.name.clone();
        move || {
            fill(
                WalletMsg::OpenScreenshot.text(locale.get()),
                &[("name", &name)],
            )
        }
    };
    // Scaled by CSS (inline styles are refused by the page's CSP); the attributes keep the
    // aspect ratio while the image loads.
    let (href, src) = (shot.url.clone(), shot.url);
    view! {
        <a class="thumb" href=href target="_blank" rel="noopener">
            <img src=src alt=label width=shot.width height=shot.height loading="lazy" />
        </a>
    }
}

/// A labelled file input and the rows of the files chosen with it.
#[component]
pub fn ScreenshotPicker(
    uploads: Uploads,
    /// The file input's id (and the prefix of its rows' ids).
    #[prop(default = "screenshots")]
    id: &'static str,
) -> impl IntoView {
    let locale = use_locale();
    let hint_id = format!("{id}-hint");
    let hint = move || {
        fill(
            WalletMsg::ScreenshotsHint.text(locale.get()),
            &[
                ("max", &SCREENSHOTS_PER_SUBMISSION.to_string()),
                ("mb", &(SCREENSHOT_MAX_BYTES / (1024 * 1024)).to_string()),
            ],
        )
    };
    let on_change = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        for file in upload::chosen_files(&input) {
            uploads.add(file);
        }
        // Emptied so that choosing the same file again (after removing it) is a change too.
        input.set_value("");
    };
    let news = move || {
        uploads
            .news
            .get()
            .map(|News(msg, name)| fill(msg.text(locale.get()), &[("name", &name)]))
    };
    view! {
        <div class="field screenshots">
            <label for=id>{t(WalletMsg::ScreenshotsLabel)}</label>
            <p class="hint" id=hint_id.clone()>{hint}</p>
            <input type="file" id=id name=id accept=SCREENSHOT_ACCEPT multiple=true
                aria-describedby=hint_id on:change=on_change
                disabled=move || uploads.locked.get() />
            <p class="visually-hidden" role="status">{news}</p>
            <ul class="uploads">
                <For each=move || uploads.entries.get() key=|e| e.key let:entry>
                    <UploadRow entry uploads input_id=id />
                </For>
            </ul>
        </div>
    }
}

#[component]
fn UploadRow(entry: Entry, uploads: Uploads, input_id: &'static str) -> impl IntoView {
    let locale = use_locale();
    let bar_id = format!("{input_id}-file-{}", entry.key);
    let name = StoredValue::new(entry.name.clone());
    let (progress, state, problem) = (
        entry.progress.clone(),
        entry.state.clone(),
        entry.problem.clone(),
    );
    let uploading = {
        let state = state.clone();
        move || state.with(|s| matches!(s, State::Uploading))
    };
    let bar_label = {
        let uploading = uploading.clone();
        move || {
            let msg = if uploading() {
                WalletMsg::UploadingFile
            } else {
                WalletMsg::UploadedFile
            };
            fill(msg.text(locale.get()), &[("name", &name.get_value())])
        }
    };
    let failed = {
        let state = state.clone();
        move || state.with(|s| matches!(s, State::Failed))
    };
    let shown = {
        let state = state.clone();
        move || match state.get() {
            State::Done(shot) | State::Removing(shot) => Some(shot),
            _ => None,
        }
    };
    let remove_label = move || {
        fill(
            WalletMsg::RemoveFile.text(locale.get()),
            &[("name", &name.get_value())],
        )
    };
    let removing = {
        let state = state.clone();
        move || state.with(|s| matches!(s, State::Removing(_)))
    };
    let (sent, total) = {
        let (a, b) = (progress.clone(), progress);
        (move || a.with(|p| p.0), move || b.with(|p| p.1.max(1.0)))
    };
    view! {
        <li class="upload">
            {
                let shown = shown.clone();
                move || shown().map(|shot| view! { <Thumbnail shot /> })
            }
            <div class="upload-facts">
                // A refused file never started: it has no progress to show, only its name.
                {
                    let failed = failed.clone();
                    move || {
                        if failed() {
                            view! { <p class="upload-name">{name.get_value()}</p> }.into_any()
                        } else {
                            let (bar_id, bar_label) = (bar_id.clone(), bar_label.clone());
                            let (sent, total) = (sent.clone(), total.clone());
                            view! {
                                <label for=bar_id.clone()>{bar_label}</label>
                                <progress id=bar_id max=total value=sent></progress>
                            }
                            .into_any()
                        }
                    }
                }
                {move || shown().map(|shot| view! {
                    <p class="muted">{move || dimensions(&shot, locale.get())}</p>
                })}
                {move || problem.get().map(|p| view! {
                    <p class="field-error" role="alert">
                        {move || format!("{}: {}", name.get_value(), p.text(locale.get()))}
                    </p>
                })}
                <button type="button" class="secondary" aria-label=remove_label
                    disabled=move || removing() || uploads.locked.get()
                    on:click={
                        let entry = entry.clone();
                        move |_| uploads.remove(entry.clone(), input_id)
                    }>
                    {t(WalletMsg::RemoveButton)}
                </button>
            </div>
        </li>
    }
}

/// Screenshots already part of a report or a dispute: a thumbnail each, what it is, and its
/// SHA-256 fingerprints, which the evidence bundle lists too.
#[component]
pub fn ScreenshotList(#[prop(into)] shots: Signal<Vec<Screenshot>>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul class="shots">
            <For each=move || shots.get() key=|s| s.id.clone() let:shot>
                <li class="shot">
                    <Thumbnail shot=shot.clone() />
                    <div class="shot-facts">
                        <p class="upload-name">{shot.name.clone()}</p>
                        <p class="muted">{
                            let shot = shot.clone();
                            move || dimensions(&shot, locale.get())
                        }</p>
                        <dl class="hashes">
                            <div><dt>{t(WalletMsg::StoredHashTerm)}</dt><dd><code class="hash">{shot.sha256.clone()}</code></dd></div>
                            <div><dt>{t(WalletMsg::OriginalHashTerm)}</dt><dd><code class="hash">{shot.original_sha256.clone()}</code></dd></div>
                        </dl>
                    </div>
                </li>
            </For>
        </ul>
    }
}
