"""Every text the bot says, in Japanese (default), English and Korean."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "reply.created": "受け付けました：#{ref}（{department}、確信度 {confidence}）。返信期限 {deadline}",
        "reply.triage": "受け付けました：#{ref}。担当部署を判断できないため、トリアージ担当が振り分けます"
        "（候補：{department}、確信度 {confidence}）。返信期限 {deadline}",
        "reply.duplicate": "この依頼は #{ref} として受付済みです。",
        "reply.truncated": "※本文が長いため先頭 {limit} 文字で受け付けました。",
        "card.title": "🎫 #{ref} {department}",
        "card.triage": "🎫 #{ref} 要トリアージ（候補：{department}）",
        "card.priority": "⚠️ 優先対応：{flags}",
        "card.deadline": "返信期限：{deadline}（{left}）",
        "card.forwarder": "転送者：{forwarder}（{platform}）",
        "card.status": "状態：{status}",
        "card.last_change": "{actor} さんが{action}（{at}）",
        "card.actions": "操作：/ack #{ref}　/resolve #{ref}　/reassign #{ref} 部署　/snooze #{ref} 時間",
        "status.open": "未対応",
        "status.acknowledged": "対応中",
        "status.resolved": "解決済み",
        "action.created": "受け付けました（{department}）",
        "action.acknowledged": "対応を開始しました",
        "action.resolved": "解決済みにしました",
        "action.reassigned": "{from_department} から {to_department} に振り替えました",
        "action.snoozed": "リマインダーを {until} まで止めました",
        "action.responded": "最初の返信をしました",
        "done.acknowledged": "#{ref} を対応中にしました。",
        "done.resolved": "#{ref} を解決済みにしました。",
        "done.reassigned": "#{ref} を {department} に振り替えました。分類モデルの学習に使います。",
        "done.snoozed": "#{ref} のリマインダーを {until} まで止めました。",
        "time.left": "残り {duration}",
        "time.over": "{duration} 超過",
        "flag.legal": "法的措置・行政への相談の示唆",
        "flag.safety": "安全・健康被害",
        "flag.angry": "強い不満",
        "flag.truncated": "長文（一部省略）",
        "department.none": "未分類",
        "reminder.header.warning": "⏰ 返信期限が近づいています（残り4時間以内）",
        "reminder.header.last_call": "🔔 まもなく返信期限です（残り1時間以内）",
        "reminder.header.overdue": "🚨 返信期限を超過しました。マネージャーにエスカレーションしました",
        "reminder.header.escalation": "🚨 エスカレーション：返信期限を超過したチケット",
        "reminder.item": "#{ref} {department}：{left}（期限 {deadline}）{summary}",
        "list.header": "未解決のチケット {count} 件",
        "list.empty": "未解決のチケットはありません。",
        "list.item": "#{ref} [{status}] {department}：{left}　{summary}",
        "history.header": "#{ref} の履歴",
        "history.item": "{at}　{actor}　{action}",
        "digest.title": "📊 週次レポート {team}（{week}）",
        "digest.late": "（停止中に送れなかった週のレポートです）",
        "digest.volume": "件数：{count} 件（先週 {last_week} 件、4週平均 {average}）{trend}",
        "digest.by_day": "曜日別：{days}",
        "digest.deadline": "期限内返信率：{kept}（中央値 {median}、90パーセンタイル {p90}）",
        "digest.deadline_none": "期限内返信率：対象なし",
        "digest.open": "未解決 {open} 件、うち期限超過 {overdue} 件",
        "digest.overdue_item": "　・#{ref} {department}：{left}",
        "digest.corrections": "振り替え：このチームから {away} 件、このチームへ {to} 件",
        "digest.silent": "声に出さないお客様の推定：約 {silent} 人（苦情1件の背後に約{ratio}人、ハインリッヒの法則 1:29:300 に基づく目安）",
        "digest.themes": "多かった話題：{themes}",
        "digest.trend.up": "▲{delta}",
        "digest.trend.down": "▼{delta}",
        "digest.trend.flat": "→ 横ばい",
        "digest.managers": "マネージャー向け",
        "digest.team_line": "{team}：{count} 件（{trend}）期限内 {kept}、期限超過 {overdue} 件",
        "error.empty": "苦情の本文が空です。内容をテキストで送ってください。",
        "error.unknown_ticket": "チケット {ref} が見つかりません。番号を確認してください（例：#12）。",
        "error.unknown_department": "部署「{key}」はありません。使える部署：{known}",
        "error.bad_hours": "時間は 0.5〜168 の数で指定してください（例：/snooze #12 4）。",
        "error.bad_duration": "時間の形式が読めません（例：/advance 20h、/advance 2h30m）。",
        "error.already_resolved": "#{ref} はすでに解決済みです。",
        "error.usage": "使い方：{usage}",
        "error.unknown_command": "「{command}」というコマンドはありません。/help で一覧を表示します。",
        "error.internal": "処理中にエラーが起きました。担当者が確認します（エラー番号 {event}）。",
        "error.fake_clock_only": "/advance は --fake-clock で起動したときだけ使えます。",
        "console.welcome": "triage-bot コンソール（{database}）。苦情を1行で入力してください。/help でコマンド一覧。",
        "console.help": "苦情の本文をそのまま入力するとチケットになります。\n"
        "/list [部署]　未解決の一覧\n/ack #N　対応開始\n/resolve #N　解決\n"
        "/reassign #N 部署　振り替え（{departments}）\n/snooze #N 時間　リマインダーを止める\n"
        "/history #N　履歴\n/digest [部署|managers]　週次レポート\n/advance 20h　時計を進める（--fake-clock）\n/help",
        "console.time": "🕒 現在 {now}",
        "console.to": "→ {target}",
        # slack texts (bot/adapters/slack.py)
        # line texts (bot/adapters/line.py)
        "mask.email": "［メール］",
        "mask.phone": "［電話番号］",
        "mask.card": "［カード番号］",
        "mask.postal": "［郵便番号］",
        "mask.address": "［住所］",
        "mask.rrn": "［住民登録番号］",
        "mask.name": "［氏名］",
        "duration.dhm": "{d}日{h}時間{m}分",
        "duration.hm": "{h}時間{m}分",
        "duration.m": "{m}分",
    },
    "en": {
        "reply.created": "Received: #{ref} ({department}, confidence {confidence}). Reply due {deadline}",
        "reply.triage": "Received: #{ref}. The department is unclear, so triage will route it "
        "(best guess: {department}, confidence {confidence}). Reply due {deadline}",
        "reply.duplicate": "This was already received as #{ref}.",
        "reply.truncated": "Note: the text was long; the first {limit} characters were kept.",
        "card.title": "🎫 #{ref} {department}",
        "card.triage": "🎫 #{ref} needs triage (best guess: {department})",
        "card.priority": "⚠️ Priority: {flags}",
        "card.deadline": "Reply due: {deadline} ({left})",
        "card.forwarder": "Forwarded by {forwarder} ({platform})",
        "card.status": "Status: {status}",
        "card.last_change": "{actor} {action} ({at})",
        "card.actions": "Actions: /ack #{ref}  /resolve #{ref}  /reassign #{ref} DEPT  /snooze #{ref} HOURS",
        "status.open": "open",
        "status.acknowledged": "acknowledged",
        "status.resolved": "resolved",
        "action.created": "opened it ({department})",
        "action.acknowledged": "acknowledged it",
        "action.resolved": "resolved it",
        "action.reassigned": "moved it from {from_department} to {to_department}",
        "action.snoozed": "snoozed reminders until {until}",
        "action.responded": "sent the first reply",
        "done.acknowledged": "#{ref} is acknowledged.",
        "done.resolved": "#{ref} is resolved.",
        "done.reassigned": "#{ref} moved to {department}. The classifier will learn from this.",
        "done.snoozed": "Reminders for #{ref} snoozed until {until}.",
        "time.left": "{duration} left",
        "time.over": "{duration} overdue",
        "flag.legal": "legal action or authorities mentioned",
        "flag.safety": "safety or health",
        "flag.angry": "very upset",
        "flag.truncated": "long text (cut)",
        "department.none": "unassigned",
        "reminder.header.warning": "⏰ Reply deadline approaching (under 4 hours left)",
        "reminder.header.last_call": "🔔 Last call: reply due within the hour",
        "reminder.header.overdue": "🚨 Overdue: reply deadline passed; escalated to the managers",
        "reminder.header.escalation": "🚨 Escalation: tickets past their reply deadline",
        "reminder.item": "#{ref} {department}: {left} (due {deadline}) {summary}",
        "list.header": "{count} open tickets",
        "list.empty": "No open tickets.",
        "list.item": "#{ref} [{status}] {department}: {left}  {summary}",
        "history.header": "History of #{ref}",
        "history.item": "{at}  {actor}  {action}",
        "digest.title": "📊 Weekly digest {team} ({week})",
        "digest.late": "(sent late: the bot was down when it was due)",
        "digest.volume": "Complaints: {count} (last week {last_week}, 4-week average {average}) {trend}",
        "digest.by_day": "By day: {days}",
        "digest.deadline": "Answered in time: {kept} (median {median}, 90th percentile {p90})",
        "digest.deadline_none": "Answered in time: nothing to measure",
        "digest.open": "{open} still open, {overdue} overdue",
        "digest.overdue_item": "  • #{ref} {department}: {left}",
        "digest.corrections": "Reassigned: {away} away from this team, {to} to it",
        "digest.silent": "Silent customers behind these: about {silent} (about {ratio} per complaint, "
        "after Heinrich's 1:29:300; an estimate)",
        "digest.themes": "Frequent themes: {themes}",
        "digest.trend.up": "▲{delta}",
        "digest.trend.down": "▼{delta}",
        "digest.trend.flat": "→ flat",
        "digest.managers": "Managers",
        "digest.team_line": "{team}: {count} ({trend}) in time {kept}, overdue {overdue}",
        "error.empty": "The complaint is empty. Please send its text.",
        "error.unknown_ticket": "No ticket {ref}. Please check the number (e.g. #12).",
        "error.unknown_department": "There is no department '{key}'. Departments: {known}",
        "error.bad_hours": "Give the hours as a number from 0.5 to 168 (e.g. /snooze #12 4).",
        "error.bad_duration": "Could not read that duration (e.g. /advance 20h, /advance 2h30m).",
        "error.already_resolved": "#{ref} is already resolved.",
        "error.usage": "Usage: {usage}",
        "error.unknown_command": "There is no command '{command}'. /help lists them.",
        "error.internal": "Something went wrong; the team will look into it (error {event}).",
        "error.fake_clock_only": "/advance works only when started with --fake-clock.",
        "console.welcome": "triage-bot console ({database}). Type a complaint on one line; /help lists commands.",
        "console.help": "Type a complaint's text to open a ticket.\n"
        "/list [DEPT]  open tickets\n/ack #N  acknowledge\n/resolve #N  resolve\n"
        "/reassign #N DEPT  move ({departments})\n/snooze #N HOURS  pause reminders\n"
        "/history #N  audit trail\n/digest [DEPT|managers]  weekly digest\n/advance 20h  move the clock "
        "(--fake-clock)\n/help",
        "console.time": "🕒 now {now}",
        "console.to": "→ {target}",
        # slack texts (bot/adapters/slack.py)
        # line texts (bot/adapters/line.py)
        "mask.email": "[email]",
        "mask.phone": "[phone]",
        "mask.card": "[card]",
        "mask.postal": "[postcode]",
        "mask.address": "[address]",
        "mask.rrn": "[ID number]",
        "mask.name": "[name]",
        "duration.dhm": "{d}d {h}h {m}m",
        "duration.hm": "{h}h {m}m",
        "duration.m": "{m}m",
    },
    "ko": {
        "reply.created": "접수했습니다: #{ref} ({department}, 신뢰도 {confidence}). 답변 기한 {deadline}",
        "reply.triage": "접수했습니다: #{ref}. 담당 부서를 판단할 수 없어 분류 담당자가 배정합니다 "
        "(후보: {department}, 신뢰도 {confidence}). 답변 기한 {deadline}",
        "reply.duplicate": "이 건은 이미 #{ref}(으)로 접수되었습니다.",
        "reply.truncated": "※ 본문이 길어 앞부분 {limit}자만 접수했습니다.",
        "card.title": "🎫 #{ref} {department}",
        "card.triage": "🎫 #{ref} 분류 필요 (후보: {department})",
        "card.priority": "⚠️ 우선 대응: {flags}",
        "card.deadline": "답변 기한: {deadline} ({left})",
        "card.forwarder": "전달자: {forwarder} ({platform})",
        "card.status": "상태: {status}",
        "card.last_change": "{actor} 님이 {action} ({at})",
        "card.actions": "조작: /ack #{ref}  /resolve #{ref}  /reassign #{ref} 부서  /snooze #{ref} 시간",
        "status.open": "미처리",
        "status.acknowledged": "처리 중",
        "status.resolved": "해결됨",
        "action.created": "접수했습니다 ({department})",
        "action.acknowledged": "처리를 시작했습니다",
        "action.resolved": "해결 처리했습니다",
        "action.reassigned": "{from_department}에서 {to_department}(으)로 재배정했습니다",
        "action.snoozed": "{until}까지 알림을 멈췄습니다",
        "action.responded": "첫 답변을 보냈습니다",
        "done.acknowledged": "#{ref} 처리 중으로 변경했습니다.",
        "done.resolved": "#{ref} 해결 처리했습니다.",
        "done.reassigned": "#{ref}을(를) {department}(으)로 재배정했습니다. 분류 모델 학습에 사용합니다.",
        "done.snoozed": "#{ref} 알림을 {until}까지 멈췄습니다.",
        "time.left": "{duration} 남음",
        "time.over": "{duration} 초과",
        "flag.legal": "법적 조치·기관 신고 언급",
        "flag.safety": "안전·건강 문제",
        "flag.angry": "강한 불만",
        "flag.truncated": "긴 글 (일부 생략)",
        "department.none": "미분류",
        "reminder.header.warning": "⏰ 답변 기한이 다가옵니다 (4시간 이내)",
        "reminder.header.last_call": "🔔 곧 답변 기한입니다 (1시간 이내)",
        "reminder.header.overdue": "🚨 답변 기한을 초과했습니다. 매니저에게 에스컬레이션했습니다",
        "reminder.header.escalation": "🚨 에스컬레이션: 답변 기한을 초과한 티켓",
        "reminder.item": "#{ref} {department}: {left} (기한 {deadline}) {summary}",
        "list.header": "미해결 티켓 {count}건",
        "list.empty": "미해결 티켓이 없습니다.",
        "list.item": "#{ref} [{status}] {department}: {left}  {summary}",
        "history.header": "#{ref} 이력",
        "history.item": "{at}  {actor}  {action}",
        "digest.title": "📊 주간 리포트 {team} ({week})",
        "digest.late": "(봇이 중지되어 늦게 보내는 리포트입니다)",
        "digest.volume": "건수: {count}건 (지난주 {last_week}건, 4주 평균 {average}) {trend}",
        "digest.by_day": "요일별: {days}",
        "digest.deadline": "기한 내 답변율: {kept} (중앙값 {median}, 90퍼센타일 {p90})",
        "digest.deadline_none": "기한 내 답변율: 대상 없음",
        "digest.open": "미해결 {open}건, 그중 기한 초과 {overdue}건",
        "digest.overdue_item": "  · #{ref} {department}: {left}",
        "digest.corrections": "재배정: 이 팀에서 {away}건, 이 팀으로 {to}건",
        "digest.silent": "말하지 않는 고객 추정: 약 {silent}명 (불만 1건당 약 {ratio}명, 하인리히 법칙 1:29:300 기준 추정)",
        "digest.themes": "많았던 주제: {themes}",
        "digest.trend.up": "▲{delta}",
        "digest.trend.down": "▼{delta}",
        "digest.trend.flat": "→ 변동 없음",
        "digest.managers": "매니저용",
        "digest.team_line": "{team}: {count}건 ({trend}) 기한 내 {kept}, 기한 초과 {overdue}건",
        "error.empty": "불만 내용이 비어 있습니다. 텍스트로 보내 주세요.",
        "error.unknown_ticket": "티켓 {ref}을(를) 찾을 수 없습니다. 번호를 확인해 주세요 (예: #12).",
        "error.unknown_department": "'{key}' 부서는 없습니다. 사용할 수 있는 부서: {known}",
        "error.bad_hours": "시간은 0.5~168 사이의 숫자로 지정해 주세요 (예: /snooze #12 4).",
        "error.bad_duration": "시간 형식을 읽을 수 없습니다 (예: /advance 20h, /advance 2h30m).",
        "error.already_resolved": "#{ref}은(는) 이미 해결되었습니다.",
        "error.usage": "사용법: {usage}",
        "error.unknown_command": "'{command}' 명령은 없습니다. /help 로 목록을 볼 수 있습니다.",
        "error.internal": "처리 중 오류가 발생했습니다. 담당자가 확인합니다 (오류 번호 {event}).",
        "error.fake_clock_only": "/advance 는 --fake-clock 으로 시작했을 때만 쓸 수 있습니다.",
        "console.welcome": "triage-bot 콘솔 ({database}). 불만 내용을 한 줄로 입력하세요. /help 로 명령 목록.",
        "console.help": "불만 내용을 그대로 입력하면 티켓이 됩니다.\n"
        "/list [부서]  미해결 목록\n/ack #N  처리 시작\n/resolve #N  해결\n"
        "/reassign #N 부서  재배정 ({departments})\n/snooze #N 시간  알림 멈춤\n"
        "/history #N  이력\n/digest [부서|managers]  주간 리포트\n/advance 20h  시계 진행 (--fake-clock)\n/help",
        "console.time": "🕒 현재 {now}",
        "console.to": "→ {target}",
        # slack texts (bot/adapters/slack.py)
        # line texts (bot/adapters/line.py)
        "mask.email": "[이메일]",
        "mask.phone": "[전화번호]",
        "mask.card": "[카드번호]",
        "mask.postal": "[우편번호]",
        "mask.address": "[주소]",
        "mask.rrn": "[주민등록번호]",
        "mask.name": "[이름]",
        "duration.dhm": "{d}일 {h}시간 {m}분",
        "duration.hm": "{h}시간 {m}분",
        "duration.m": "{m}분",
    },
}

_WEEKDAYS = {
    "ja": "月火水木金土日",
    "ko": "월화수목금토일",
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


class Translator:
    """Looks texts up in one language; a missing key falls back to English, then to the key."""

    def __init__(self, language: str = "ja") -> None:
        if language not in TEXTS:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language

    def __call__(self, text_key: str, /, **params: Any) -> str:
        template = TEXTS[self.language].get(text_key) or TEXTS["en"].get(text_key) or text_key
        return template.format(**params)

    def duration(self, delta: timedelta) -> str:
        minutes = max(0, int(abs(delta).total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        if days:
            return self("duration.dhm", d=days, h=hours, m=minutes)
        if hours:
            return self("duration.hm", h=hours, m=minutes)
        return self("duration.m", m=minutes)

    def time_left(self, due_at: datetime, now: datetime) -> str:
        delta = due_at - now
        if delta > timedelta(0):
            return self("time.left", duration=self.duration(delta))
        return self("time.over", duration=self.duration(delta))

    def weekday(self, index: int) -> str:
        """The short name of a weekday, Monday being 0."""
        return _WEEKDAYS[self.language][index]

    def moment(self, at: datetime, tz: ZoneInfo) -> str:
        """A short local date and time: 11/24(火) 09:12, Tue 24 Nov 09:12, 11/24(화) 09:12."""
        local = at.astimezone(tz)
        day = _WEEKDAYS[self.language][local.weekday()]
        if self.language == "en":
            return f"{day} {local.day} {local:%b %H:%M}"
        return f"{local.month}/{local.day}({day}) {local:%H:%M}"

    def percent(self, value: float) -> str:
        return f"{value * 100:.0f}%"
