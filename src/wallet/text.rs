//! The words of the wallet pages (signed-in bundle only).

use crate::i18n::catalogue;

catalogue! {
    WalletMsg;
    WalletTitle => ("Wallet", "ウォレット"),
    BalanceTerm => ("Balance", "残高"),
    TopUpLink => ("Top up", "チャージ"),
    PayLink => ("Pay in a store", "店舗で支払う"),
    HistoryLink => ("History", "利用履歴"),
    CardsLink => ("Cards", "カード"),
    DisputesLink => ("Disputes", "申し立て"),
    RecentHeading => ("Recent activity", "最近の利用"),
    NoTransactions => ("Nothing yet.", "まだ利用はありません。"),
    SeeAll => ("See all history", "すべての履歴を見る"),

    // Transactions
    KindTopUp => ("Top-up", "チャージ"),
    KindPayment => ("Payment", "支払い"),
    KindRefund => ("Refund", "返金"),
    StatusPending => ("Pending", "処理中"),
    StatusCompleted => ("Completed", "完了"),
    StatusDeclined => ("Declined", "不承認"),
    Disputed => ("Disputed", "申し立て中"),
    AmountTerm => ("Amount", "金額"),
    DateTerm => ("Date", "日時"),
    StoreTerm => ("Store", "店舗"),
    MemoTerm => ("Memo", "メモ"),
    StatusTerm => ("Status", "状態"),
    KindTerm => ("Type", "種類"),

    // Top-up
    TopUpTitle => ("Top up your wallet", "ウォレットにチャージ"),
    CardLabel => ("Card", "カード"),
    AmountLabel => ("Amount in yen", "金額（円）"),
    TopUpHint => (
        "Up to {per} at a time, {left} more today.",
        "1回あたり{per}まで、本日はあと{left}までチャージできます。"
    ),
    TopUpButton => ("Top up", "チャージする"),
    ToppingUp => ("Topping up…", "チャージしています…"),
    TopUpDone => ("Topped up {amount}. Your balance is now {balance}.", "{amount}をチャージしました。残高は{balance}です。"),
    TopUpPending => (
        "Your card issuer has not answered yet. The top-up shows as pending in your history until it does; you will get an email.",
        "カード会社からの応答がまだありません。応答があるまで、このチャージは履歴に「処理中」と表示されます。結果はメールでお知らせします。"
    ),
    NoCards => ("Add a card before you top up.", "チャージの前にカードを登録してください。"),
    AddCardLink => ("Add a card", "カードを登録する"),
    CardName => ("{brand} ending {last4}, expires {month}/{year}", "{brand}（末尾{last4}、有効期限{month}/{year}）"),

    // Cards
    CardsTitle => ("Your cards", "登録カード"),
    NoCardsYet => ("No cards yet.", "登録されたカードはありません。"),
    AddCardHeading => ("Add a card", "カードを登録"),
    CardNumberLabel => ("Card number", "カード番号"),
    ExpMonthLabel => ("Expiry month (MM)", "有効期限（月）"),
    ExpYearLabel => ("Expiry year (YYYY)", "有効期限（年・4桁）"),
    CvcLabel => ("Security code", "セキュリティコード"),
    CardStoredHint => (
        "The card details go to the card network; we keep only the last four digits and the expiry date.",
        "カード情報はカード会社に送られます。当社が保存するのは末尾4桁と有効期限だけです。"
    ),
    AddCardButton => ("Add card", "カードを登録"),
    AddingCard => ("Adding…", "登録しています…"),
    CardAdded => ("Card added.", "カードを登録しました。"),
    RemoveCard => ("Remove {card}", "{card}を削除"),
    RemoveButton => ("Remove", "削除"),
    CardRemoved => ("Card removed.", "カードを削除しました。"),
    FieldRequired => ("Fill this in.", "入力してください。"),

    // Pay
    PayTitle => ("Pay in a store", "店舗で支払う"),
    PayIntro => (
        "Show this code at the till. It works once, and a new one replaces it every 30 seconds.",
        "レジでこのコードを提示してください。コードは1回だけ使え、30秒ごとに新しいコードに切り替わります。"
    ),
    PayQrLabel => ("Payment code as a QR code", "支払いコード（QRコード）"),
    PayDigitsLabel => ("Payment code", "支払いコード"),
    RefreshIn => ("New code in {seconds} s", "{seconds}秒後に新しいコード"),
    NewCode => ("New payment code shown.", "新しい支払いコードを表示しました。"),

    // History
    HistoryTitle => ("History", "利用履歴"),
    FiltersHeading => ("Filter", "絞り込み"),
    KindLabel => ("Type", "種類"),
    StatusLabel => ("Status", "状態"),
    AnyOption => ("Any", "すべて"),
    FromLabel => ("From (date)", "開始日"),
    ToLabel => ("To (date)", "終了日"),
    MinAmountLabel => ("Smallest amount (yen)", "最小金額（円）"),
    MaxAmountLabel => ("Largest amount (yen)", "最大金額（円）"),
    MerchantLabel => ("Store name (exact)", "店舗名（完全一致）"),
    SearchLabel => ("Search stores and memos", "店舗名・メモを検索"),
    ApplyFilters => ("Show", "表示"),
    ClearFilters => ("Clear filters", "条件をクリア"),
    ResultsHeading => ("Transactions", "取引"),
    NoResults => ("No transactions match.", "条件に合う取引はありません。"),
    ShowMore => ("Show more", "さらに表示"),
    SearchedBackTo => (
        "Searched back to {date}. Older transactions are not searched yet.",
        "{date}までさかのぼって検索しました。それより前の取引はまだ検索していません。"
    ),
    SearchFurther => ("Search further back", "さらにさかのぼって検索"),
    LoadingMore => ("Loading…", "読み込み中…"),
    ShownCount => ("{count} shown", "{count}件を表示中"),
    DownloadCsv => ("Download these as CSV", "この条件でCSVをダウンロード"),
    ChartHeading => ("Spending per month", "月別の支払い額"),
    ChartSummary => ("Spending per month, last {months} months", "過去{months}か月の月別支払い額"),
    ChartAsTable => ("Show as a table", "表で見る"),
    MonthTerm => ("Month", "月"),
    SpentTerm => ("Spent", "支払い額"),

    // One transaction and disputes
    TransactionTitle => ("Transaction", "取引の詳細"),
    DisputeHeading => ("Something wrong?", "心当たりのない取引ですか？"),
    ReasonLegend => ("What is wrong?", "どのような問題ですか？"),
    ReasonNotRecognised => ("I don't recognise this", "心当たりがない"),
    ReasonWrongAmount => ("The amount is wrong", "金額が違う"),
    ReasonNotReceived => ("I did not receive what I paid for", "商品・サービスを受け取っていない"),
    ReasonChargedTwice => ("I was charged twice", "二重に請求された"),
    ReasonOther => ("Something else", "その他"),
    DetailsLabel => ("What happened?", "状況"),
    DetailsHint => (
        "In your own words, up to {max} characters. Line breaks are kept.",
        "{max}文字まで自由にご記入ください。改行もそのまま保存されます。"
    ),
    CharactersLeft => ("{count} characters left", "残り{count}文字"),
    SendDispute => ("Send dispute", "申し立てを送信"),
    SendingDispute => ("Sending…", "送信しています…"),
    SeeDispute => ("See the dispute about this transaction", "この取引の申し立てを見る"),
    DisputesTitle => ("Your disputes", "申し立て一覧"),
    NoDisputes => ("No disputes.", "申し立てはありません。"),
    DisputeTitle => ("Dispute", "申し立て"),
    DisputeNumber => ("Dispute {id}", "申し立て番号 {id}"),
    ReasonTerm => ("Reason", "理由"),
    DetailsTerm => ("What you told us", "お客さまのご記入内容"),
    TimelineHeading => ("Progress", "進捗"),
    DisputeSubmitted => ("Submitted", "受付"),
    DisputeUnderReview => ("Under review", "調査中"),
    DisputeMoreInfo => ("More information needed", "追加情報が必要"),
    DisputeRefunded => ("Refunded", "返金済み"),
    DisputeDeclined => ("Declined", "却下"),
    DisputeAnswered => ("You answered", "お客さまの回答"),
    AnswerHeading => ("Answer support", "サポートへの回答"),
    AnswerIntro => (
        "Support asked the question above. Your answer and any screenshots join the dispute's progress, and support reviews it again.",
        "上記の質問への回答とスクリーンショットは申し立ての進捗に加わり、サポートが改めて確認します。"
    ),
    AnswerLabel => ("Your answer", "回答"),
    SendAnswer => ("Send answer", "回答を送信"),
    SendingAnswer => ("Sending…", "送信しています…"),
    AnswerSent => ("Answer sent. Support reviews your dispute again.", "回答を送信しました。サポートが改めて確認します。"),

    // Screenshots
    ScreenshotsLabel => ("Screenshots (optional)", "スクリーンショット（任意）"),
    ScreenshotsHint => (
        "PNG, JPEG or WebP, up to {mb} MB each, {max} at most. Each file uploads as soon as you choose it; location data in it is removed.",
        "PNG・JPEG・WebP形式、1ファイル{mb}MBまで、最大{max}枚。選んだファイルはすぐにアップロードされ、位置情報は削除されます。"
    ),
    UploadingFile => ("Uploading {name}", "{name}をアップロード中"),
    UploadedFile => ("Uploaded {name}", "{name}をアップロードしました"),
    UploadedNews => ("{name} uploaded.", "{name}をアップロードしました。"),
    RemovedNews => ("{name} removed.", "{name}を削除しました。"),
    RemoveFile => ("Remove {name}", "{name}を削除"),
    OpenScreenshot => ("Open {name} (new tab)", "{name}を開く（新しいタブ）"),
    WaitingForUploads => (
        "Waiting for the screenshots to finish uploading…",
        "スクリーンショットのアップロードが終わるのを待っています…"
    ),
    ScreenshotsHeading => ("Screenshots", "スクリーンショット"),
    NoScreenshots => ("No screenshots.", "スクリーンショットはありません。"),
    StoredHashTerm => ("SHA-256 as kept", "SHA-256（保存されたファイル）"),
    OriginalHashTerm => ("SHA-256 as you sent it", "SHA-256（送信されたファイル）"),

    // Freeze
    FrozenHeading => ("Your wallet is frozen", "ウォレットは凍結されています"),
    FrozenWhat => (
        "No money can leave your wallet: top-ups, payment codes and store payments are stopped. Your history stays readable, and you can download it with your evidence at any time.",
        "ウォレットからお金は動きません。チャージ、支払いコード、店舗での支払いは停止しています。利用履歴はこれまでどおり閲覧でき、証拠と一緒にいつでもダウンロードできます。"
    ),
    FrozenSince => ("Frozen since", "凍結日時"),
    FrozenBecause => ("Because of your fraud report", "凍結の理由となった不正利用の報告"),
    FrozenNext => (
        "Support reviews your report, and its page shows each step. Only support can lift the freeze.",
        "サポートが報告内容を確認します。進捗は報告のページでご確認いただけます。凍結を解除できるのはサポートだけです。"
    ),

    // Reporting fraud
    ReportFraudLink => ("Report fraud", "不正利用を報告"),
    ReportTxFraud => ("Report fraud with this transaction", "この取引を不正利用として報告"),
    FraudReportsLink => ("Reports you have sent", "送信した報告"),
    ReportFraudTitle => ("Report fraud", "不正利用を報告する"),
    ReportFraudIntro => (
        "Tell us which transactions were not made by you and what happened. Your history stays yours to read, before and after.",
        "ご自身で行っていない取引と、何があったかをお知らせください。利用履歴は報告の前も後も、いつでも閲覧できます。"
    ),
    ChooseTransactions => ("Transactions you do not recognise", "心当たりのない取引"),
    ChooseTransactionsHint => ("Tick every one that was not you.", "ご自身で行っていない取引をすべて選んでください。"),
    ChosenCount => ("{count} chosen", "{count}件を選択中"),
    WhatHappenedLabel => ("What happened", "何があったか"),
    BeforeSendingHeading => ("When you send this report", "この報告を送信すると"),
    BeforeSendingFreeze => (
        "Your wallet is frozen at once: no money can leave it (no top-ups, payment codes or store payments) until support lifts the freeze.",
        "ただちにウォレットが凍結され、サポートが解除するまでお金は動かせません（チャージ、支払いコード、店舗での支払いはできません）。"
    ),
    BeforeSendingHistory => (
        "Nothing is hidden: your history stays readable, and a sealed copy of it and your screenshots are kept as evidence you can always download.",
        "何も非表示にはなりません。利用履歴はこれまでどおり閲覧でき、その封印された写しとスクリーンショットは、いつでもダウンロードできる証拠として保管されます。"
    ),
    SendReport => ("Send report and freeze my wallet", "報告を送信してウォレットを凍結"),
    SendingReport => ("Sending…", "送信しています…"),

    // A report
    FraudReportsTitle => ("Your fraud reports", "不正利用の報告一覧"),
    NoFraudReports => ("No fraud reports.", "不正利用の報告はありません。"),
    FraudReportTitle => ("Fraud report", "不正利用の報告"),
    ReportNumber => ("Report {id}", "報告番号 {id}"),
    TransactionCount => ("{count} transactions", "{count}件の取引"),
    ReportedAtTerm => ("Reported", "報告日時"),
    WhatHappensNow => ("What happens now", "今後の流れ"),
    ReviewNext => (
        "Support reviews your report and the transactions in it. Every step shows in the progress below.",
        "サポートが報告内容と対象の取引を確認します。各段階は下の進捗に表示されます。"
    ),
    FreezeLiftedOn => ("Support lifted the freeze on", "サポートが凍結を解除した日時："),
    ReportedTransactions => ("Transactions reported", "報告した取引"),
    EvidenceHeading => ("Sealed evidence", "封印された証拠"),
    EvidenceExplain => (
        "When you sent the report we sealed your history and your screenshots. The ZIP holds them all, with a manifest of their SHA-256 fingerprints.",
        "報告の送信時に、利用履歴とスクリーンショットを封印しました。ZIPファイルには、それらすべてとSHA-256フィンガープリントの一覧（マニフェスト）が含まれます。"
    ),
    ManifestTerm => ("Manifest SHA-256", "マニフェストのSHA-256"),
    SnapshotRowsTerm => ("Rows of history sealed", "封印された履歴の件数"),
    DownloadBundle => ("Download evidence (ZIP)", "証拠をダウンロード（ZIP）"),
    EventSubmitted => ("Report sent and sealed", "報告を受付・封印"),
    EventEvidenceAdded => ("Evidence added", "証拠を追加"),
    EventStatusChanged => ("Status changed", "状態の変更"),
    EventFreezeLifted => ("Freeze lifted", "凍結を解除"),
    StatusIs => ("status: {status}", "状態：{status}"),
    AddEvidenceHeading => ("Add screenshots or a note", "スクリーンショットやメモを追加"),
    AddEvidenceIntro => (
        "What you add joins the report; nothing already sent is changed or removed.",
        "追加した内容は報告に加わります。送信済みの内容が変更・削除されることはありません。"
    ),
    NoteLabel => ("Note (optional)", "メモ（任意）"),
    AddEvidenceButton => ("Add to report", "報告に追加"),
    AddingEvidence => ("Adding…", "追加しています…"),
    EvidenceAdded => ("Added to your report.", "報告に追加しました。"),
}

#[cfg(test)]
mod tests {
    use super::WalletMsg;

    #[test]
    fn every_message_exists_in_every_language() {
        crate::i18n::tests::check_catalogue(WalletMsg::ALL, &[]);
    }
}
