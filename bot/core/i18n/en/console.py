"""English texts of the local console chat."""

TEXTS: dict[str, str] = {
    "console.prompt": "complaint or /command> ",
    "console.no_config": "no config file, the defaults",
    "console.welcome": "triage-bot console ({database}; config: {config}). Type a complaint on one line; /help lists commands, /quit ends.",
    "console.help": "Type a complaint's text to open a ticket.\n"
    "/list [DEPT]  open tickets\n/ack #N  acknowledge\n/resolve #N  resolve\n"
    "/reassign #N DEPT  reassign ({departments})\n/snooze #N HOURS  snooze reminders\n"
    "/notcomplaint #N  close as not a complaint\n/history #N  audit trail\n/find TEXT  search (number, order, customer, words)\n/digest [DEPT|managers]  weekly digest\n/advance 20h  move the clock "
    "(--fake-clock)\n/quit  end the session\n/help",
    "console.time": "🕒 now {now}",
    "console.to": "→ {target}",
    "console.bye": "Bye. Everything is kept in the database.",
}
