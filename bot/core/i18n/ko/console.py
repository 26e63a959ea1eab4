"""Korean texts of the local console chat."""

TEXTS: dict[str, str] = {
    "console.prompt": "불만 또는 /명령> ",
    "console.no_config": "설정 파일 없음(기본값)",
    "console.welcome": "triage-bot 콘솔 ({database}, 설정: {config}). 불만 내용을 한 줄로 입력하세요. /help 로 명령 목록, /quit 로 종료.",
    "console.help": "불만 내용을 그대로 입력하면 티켓이 됩니다.\n"
    "/list [부서]  미해결 목록\n/ack #N  처리 시작\n/resolve #N  해결\n"
    "/reassign #N 부서  재배정 ({departments})\n/snooze #N 시간  일시 정지\n"
    "/notcomplaint #N  불만 아님으로 닫기\n/history #N  이력\n/find 단어  검색(번호·주문 번호·고객 이름)\n/digest [부서|managers]  주간 리포트\n/advance 20h  시계 진행 (--fake-clock)\n/quit  종료\n/help",
    "console.time": "🕒 현재 {now}",
    "console.to": "→ {target}",
    "console.bye": "종료합니다. 데이터는 데이터베이스에 남아 있습니다.",
}
