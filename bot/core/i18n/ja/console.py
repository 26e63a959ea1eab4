"""Japanese texts of the local console chat."""

TEXTS: dict[str, str] = {
    "console.prompt": "苦情か/コマンド> ",
    "console.no_config": "設定ファイルなし（既定値）",
    "console.welcome": "triage-botコンソール（{database}、設定：{config}）。苦情を1行で入力してください。/helpでコマンド一覧、/quitで終了。",
    "console.help": "苦情の本文をそのまま入力するとチケットになります。\n"
    "/list [部署]　未解決の一覧\n/ack #N　対応開始\n/resolve #N　解決\n"
    "/reassign #N 部署　振り替え（{departments}）\n/snooze #N 時間　スヌーズ（その間リマインダーを送らない）\n"
    "/notcomplaint #N　苦情ではないとして閉じる\n/history #N　履歴\n/find [言葉]　検索（番号・注文番号・お客様名）\n/digest [部署|managers]　週次レポート\n/advance 20h　時計を進める（--fake-clock）\n/quit　終了\n/help",
    "console.time": "🕒 現在{now}",
    "console.to": "→ {target}",
    "console.bye": "終了します。データはデータベースに残っています。",
}
