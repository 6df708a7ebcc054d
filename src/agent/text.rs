//! The words of the support console (signed-in bundle only).

use crate::i18n::catalogue;

catalogue! {
    AgentMsg;
    ConsoleLink => ("Support queue", "サポートキュー"),
    QueueTitle => ("Support queue", "サポートキュー"),
    StaffOnly => (
        "This page is for support staff.",
        "このページはサポート担当者専用です。"
    ),
    TurnOnTwoStep => (
        "Turn on two-step verification before you see any customer's data.",
        "お客さまのデータを見る前に、2段階認証を有効にしてください。"
    ),
    TurnOnTwoStepLink => ("Turn on two-step verification", "2段階認証を有効にする"),
    AuditLink => ("Audit log", "監査ログ"),
    BackToQueue => ("Back to the queue", "キューに戻る"),

    // Counts
    ChartHeading => ("New cases per hour, last 7 days", "1時間ごとの新規ケース（過去7日間）"),
    ChartSummary => (
        "New disputes and fraud reports per hour over the last 7 days; usual level {usual} per hour, {current} so far this hour.",
        "過去7日間の1時間ごとの新規申し立てと不正利用の報告。通常は1時間あたり{usual}件、この1時間はここまで{current}件。"
    ),
    SpikeAlert => (
        "Spike: {current} new cases this hour, against a usual {usual} per hour. Look for a common cause.",
        "急増：この1時間で新規ケースが{current}件（通常は1時間あたり{usual}件）。共通の原因がないか確認してください。"
    ),
    ChartAsTable => ("Show the counts as a table", "件数を表で表示"),
    HourTerm => ("Hour", "時間帯"),
    DisputesTerm => ("Disputes", "申し立て"),
    FraudReportsTerm => ("Fraud reports", "不正利用の報告"),
    SignInFailuresTerm => ("Failed sign-ins", "ログイン失敗"),
    NewDevicesTerm => ("New-device sign-ins", "新しいデバイスからのログイン"),
    ResetsTerm => ("Password resets", "パスワード再設定"),
    TopUpsTerm => ("Top-ups", "チャージ"),
    OpenTerm => ("Open cases", "未完了のケース"),
    OverdueTerm => ("Past the target", "目標時間超過"),

    // Filters
    FiltersHeading => ("Filter and sort", "絞り込みと並べ替え"),
    KindLabel => ("Kind", "種類"),
    KindAny => ("Disputes and fraud reports", "申し立てと不正利用の報告"),
    KindDispute => ("Dispute", "申し立て"),
    KindFraudReport => ("Fraud report", "不正利用の報告"),
    StatusLabel => ("Status", "状態"),
    StatusOpen => ("Open", "未完了"),
    StatusClosed => ("Closed", "完了"),
    StatusAny => ("Any", "すべて"),
    AssigneeLabel => ("Assigned to", "担当者"),
    AssigneeAnyone => ("Anyone or no one", "指定なし"),
    AssigneeMe => ("Me", "自分"),
    AssigneeNone => ("No one", "未割り当て"),
    MinAgeLabel => ("At least this many hours old", "経過時間（以上、時間）"),
    MaxAgeLabel => ("At most this many hours old", "経過時間（以下、時間）"),
    MinAmountLabel => ("Amount from (yen)", "金額（下限、円）"),
    MaxAmountLabel => ("Amount to (yen)", "金額（上限、円）"),
    SortLabel => ("Sort", "並べ替え"),
    SortOldest => ("Oldest first", "古い順"),
    SortNewest => ("Newest first", "新しい順"),
    SortLargest => ("Largest amount first", "金額の大きい順"),
    SortSmallest => ("Smallest amount first", "金額の小さい順"),
    ApplyFilters => ("Show cases", "ケースを表示"),
    WholeNumber => ("Enter a whole number, 0 or more.", "0以上の整数を入力してください。"),

    // The list
    CasesHeading => ("Cases", "ケース"),
    CasesShown => ("{count} cases shown.", "{count}件のケースを表示しています。"),
    OneCaseShown => ("1 case shown.", "1件のケースを表示しています。"),
    NoCases => ("No cases match.", "該当するケースはありません。"),
    CaseTerm => ("Case", "ケース"),
    CustomerTerm => ("Customer", "お客さま"),
    AmountTerm => ("Amount", "金額"),
    AgeTerm => ("Age", "経過時間"),
    AssigneeTerm => ("Assigned to", "担当者"),
    NoOne => ("No one", "未割り当て"),
    AgeHours => ("{hours} h", "{hours}時間"),
    Overdue => ("Past the target", "目標時間超過"),
    TargetHint => ("Target: answered within {hours} hours.", "目標：{hours}時間以内に対応。"),
    ClaimCase => ("Take {case}", "{case}を担当する"),
    Claim => ("Take", "担当する"),
    UnassignCase => ("Release {case}", "{case}の担当を外れる"),
    Unassign => ("Release", "担当を外れる"),
    MoreCases => ("Show more cases", "さらに表示"),

    // A case
    CaseTitle => ("Case", "ケース"),
    CaseNumber => ("Case {id}", "ケース {id}"),
    OpenedTerm => ("Opened", "受付日時"),
    ReasonTerm => ("Reason", "理由"),
    WrittenTerm => ("What the customer wrote", "お客さまの記入内容"),
    CustomerHeading => ("Customer", "お客さま"),
    NameTerm => ("Name", "氏名"),
    TwoStepTerm => ("Two-step verification", "2段階認証"),
    On => ("On", "有効"),
    Off => ("Off", "無効"),
    FreezeTerm => ("Wallet", "ウォレット"),
    Frozen => ("Frozen since", "凍結中（開始）"),
    NotFrozen => ("Not frozen", "凍結なし"),
    BalanceTerm => ("Balance", "残高"),
    InQuestionHeading => ("Transactions in question", "対象の取引"),
    SnapshotHeading => ("Sealed history snapshot ({count} rows)", "封印された履歴のスナップショット（{count}件）"),
    SnapshotExplain => (
        "The customer's history as it was when they reported. It cannot change.",
        "報告時点のお客さまの履歴です。変更されることはありません。"
    ),
    LiveHistoryHeading => ("History now", "現在の履歴"),
    MoreHistory => ("Show older transactions", "さらに古い取引を表示"),
    ScreenshotsHeading => ("Screenshots", "スクリーンショット"),
    NoScreenshots => ("No screenshots.", "スクリーンショットはありません。"),
    TimelineHeading => ("What the customer sees", "お客さまに表示される経過"),
    BySupport => ("Support", "サポート"),
    EventSubmitted => ("Submitted", "受付"),
    EventEvidenceAdded => ("Customer added evidence", "お客さまが証拠を追加"),
    EventStatusChanged => ("Status changed", "状態の変更"),
    EventFreezeLifted => ("Freeze lifted", "凍結を解除"),
    ByCustomer => ("Customer", "お客さま"),
    NotesHeading => ("Internal notes", "社内メモ"),
    NotesExplain => ("Only agents see these.", "担当者だけが見られます。"),
    NoNotes => ("No notes yet.", "メモはまだありません。"),
    NoteLabel => ("Note", "メモ"),
    AddNote => ("Add note", "メモを追加"),
    Adding => ("Adding…", "追加しています…"),
    NoteAdded => ("Note added.", "メモを追加しました。"),
    TextHint => ("Up to {max} characters.", "{max}文字まで。"),

    // Actions
    ActionsHeading => ("Actions", "対応"),
    RequestInfoLabel => ("Question for the customer", "お客さまへの質問"),
    RequestInfo => ("Ask the customer", "お客さまに質問する"),
    Asking => ("Sending…", "送信しています…"),
    InfoRequested => ("Asked. The customer has been mailed and sees the question.", "質問しました。お客さまにメールで通知し、質問が表示されています。"),
    RefundLabel => ("Refund amount (yen)", "返金額（円）"),
    RefundHint => (
        "At most {amount}. Above {limit} a second agent approves.",
        "{amount}まで。{limit}を超える場合は別の担当者の承認が必要です。"
    ),
    RefundHintShort => (
        "Enter an amount in whole yen, more than 0 and at most the amount in question.",
        "0より大きく、対象の金額以下の金額を円単位で入力してください。"
    ),
    Refund => ("Refund", "返金する"),
    Refunding => ("Refunding…", "返金しています…"),
    ConfirmRefund => ("Refund {amount} to {customer}?", "{customer}に{amount}を返金しますか？"),
    ConfirmRefundButton => ("Yes, refund", "返金する"),
    Cancel => ("Cancel", "キャンセル"),
    RefundWaiting => (
        "Refund of {amount} asked for by {agent}, waiting for a second agent's approval.",
        "{agent}が申請した{amount}の返金が、別の担当者の承認待ちです。"
    ),
    RefundDone => ("{amount} refunded on", "{amount}を返金済み："),
    ApproveRefund => ("Approve the refund of {amount}", "{amount}の返金を承認する"),
    Approving => ("Approving…", "承認しています…"),
    DeclineLabel => ("Why the case is declined (the customer sees this)", "却下の理由（お客さまに表示されます）"),
    Decline => ("Decline", "却下する"),
    Declining => ("Declining…", "却下しています…"),
    Declined => ("Declined. The customer has been mailed.", "却下しました。お客さまにメールで通知しました。"),
    Unfreeze => ("Lift the freeze", "凍結を解除する"),
    ConfirmUnfreeze => (
        "Lift the freeze on {customer}'s wallet? Money can leave it again at once.",
        "{customer}のウォレットの凍結を解除しますか？すぐにお金が出金できるようになります。"
    ),
    ConfirmUnfreezeButton => ("Yes, lift the freeze", "凍結を解除する"),
    Lifting => ("Lifting…", "解除しています…"),
    Unfrozen => ("The freeze is lifted.", "凍結を解除しました。"),
    CaseIsClosed => ("This case is closed.", "このケースは完了しています。"),
    Working => ("Working…", "処理しています…"),

    // Audit
    AuditTitle => ("Audit log", "監査ログ"),
    AuditExplain => (
        "Every agent's view of customer data and every action, oldest first. Nobody can change it.",
        "担当者によるお客さまデータの閲覧とすべての操作の記録（古い順）。誰も変更できません。"
    ),
    DownloadCsv => ("Download all as CSV", "すべてCSVでダウンロード"),
    SeqTerm => ("No.", "番号"),
    AtTerm => ("When", "日時"),
    WhoTerm => ("Who", "担当者"),
    ActionTerm => ("Action", "操作"),
    FromTerm => ("From", "接続元"),
    DetailTerm => ("Detail", "詳細"),
    MoreEntries => ("Show later entries", "さらに表示"),
}

#[cfg(test)]
mod tests {
    use super::AgentMsg;

    #[test]
    fn every_message_exists_in_every_language() {
        crate::i18n::tests::check_catalogue(AgentMsg::ALL, &[]);
    }
}
