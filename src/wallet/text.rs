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
}

#[cfg(test)]
mod tests {
    use super::WalletMsg;

    #[test]
    fn every_message_exists_in_every_language() {
        crate::i18n::tests::check_catalogue(WalletMsg::ALL, &[]);
    }
}
