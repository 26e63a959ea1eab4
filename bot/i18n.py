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
        "reminder.header.warning": "⏰ 返信期限が近づいています",
        "reminder.header.last_call": "🔔 まもなく返信期限です",
        "reminder.header.overdue": "🚨 返信期限を超過しました。マネージャーにエスカレーションしました",
        "reminder.header.escalation": "🚨 エスカレーション：返信期限を超過したチケット",
        "reminder.item": "#{ref} {department}：{left}（期限 {deadline}）{summary}",
        "reminder.header.nudge": "🚨 返信期限を超過したまま未対応です（再通知）",
        "reminder.header.breach": "🌙 まもなく営業終了です。次の営業開始（{reopen}）までに返信期限を超過するチケット：",
        "time.working_left": "営業時間で残り {duration}",
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
        "digest.overdue_item": "　・#{ref}：{left}",
        "digest.corrections": "振り替え：このチームから {away} 件、このチームへ {to} 件",
        "digest.silent": "声に出さないお客様の推定：約 {silent} 人（苦情1件の背後に約{ratio}人、ハインリッヒの法則 1:29:300 に基づく目安）",
        "digest.corrections_all": "振り替え（分類の誤り）：{count} 件",
        "digest.themes_header": "増えた話題：",
        "digest.theme": "　・「{phrase}」{count} 件（先週 {previous} 件）例：{example}",
        "chart.title": "{team} 苦情件数（{week}）",
        "chart.this_week": "今週",
        "chart.last_week": "先週",
        "chart.kept": "期限内返信率",
        "digest.attention": "優先対応 {priority} 件、同じお客様から複数回 {repeat} 人",
        "digest.teams_header": "チーム別（変化の大きい順）：",
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
        "slack.button.acknowledge": "対応開始",
        "slack.button.resolve": "解決",
        "slack.reassign": "部署を変更",
        "slack.snooze": "リマインダーを止める",
        "slack.snooze_hours": "{hours}時間",
        "slack.correct": "部署を訂正",
        "slack.modal.title": "苦情を登録",
        "slack.modal.submit": "登録",
        "slack.modal.close": "キャンセル",
        "slack.modal.text": "苦情の内容",
        "slack.modal.order": "注文番号",
        "slack.modal.channel": "受付経路",
        "slack.modal.department": "部署（空欄なら自動で振り分け）",
        "slack.customer.line": "LINE",
        "slack.customer.phone": "電話",
        "slack.customer.email": "メール",
        "slack.customer.form": "問い合わせフォーム",
        "slack.customer.chat": "チャット",
        "slack.customer.other": "その他",
        "slack.complaint.order": "注文番号：{order}",
        "slack.complaint.channel": "受付経路：{channel}",
        "slack.home.count": "{department}：{count} 件",
        "slack.home.more": "ほか {count} 件",
        # line texts (bot/adapters/line.py)
        "line.quota": "⚠️ LINE の今月（{month}）のプッシュメッセージが上限 {quota} 通の {level} を超えました。上限に達するとチームへのカード・リマインダー・レポートが届かなくなります。プランの変更を検討してください。",
        "line.ask_text": "苦情の内容はテキストで送ってください。スタンプ・画像・動画・音声・ファイル・位置情報だけでは受け付けられません（苦情の直後に送った画像はその苦情に添付します）。",
        "line.attached": "画像などを #{ref} に添付しました。",
        "line.joined": 'このグループのIDは {group_id} です。\nチケットをこのグループに届けるには、config.toml の部署の [[departments]] に line_group = "{group_id}" を書いて再起動してください（要トリアージは [line] triage_group、マネージャーは [managers] line_group）。',
        "line.bad_postback": "この操作は受け付けられませんでした。カードのボタンからもう一度お試しください。",
        "line.done": "{actor}さん：{text}",
        "line.reply.title": "受付 #{ref}",
        "line.reply.department": "担当部署",
        "line.reply.deadline": "返信期限",
        "line.reply.triage": "担当部署はトリアージ担当が決めます。",
        "line.reply.correct": "部署が違うときは下のボタンで直せます。",
        "line.button.ack": "対応開始",
        "line.button.resolve": "解決",
        "line.button.reassign": "振り替え",
        "line.button.snooze": "{hours}時間止める",
        "line.reassign.prompt": "#{ref} の振り替え先を選んでください。",
        "line.cut": "…（長いため省略）",
        "action.attached": "画像などを添付しました",
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
        # --- slack (#4) ---
        #
        # --- classifier (#3) ---
        #
        "flag.repeat": "同じお客様から7日以内に3回目以上",
        "card.order": "注文番号：{order}",
        "card.guesses": "候補：{guesses}",
        "card.guess": "{department} {percent}",
        # --- digest delivery (#7) ---
        #
        # --- operations (#8) ---
        #
        # --- access and records (#9) ---
        #
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
        "reminder.header.warning": "⏰ Reply deadline approaching",
        "reminder.header.last_call": "🔔 Last call: the reply deadline is near",
        "reminder.header.overdue": "🚨 Overdue: reply deadline passed; escalated to the managers",
        "reminder.header.escalation": "🚨 Escalation: tickets past their reply deadline",
        "reminder.item": "#{ref} {department}: {left} (due {deadline}) {summary}",
        "reminder.header.nudge": "🚨 Still overdue and unanswered (follow-up)",
        "reminder.header.breach": "🌙 Closing soon. These tickets will breach before we reopen ({reopen}):",
        "time.working_left": "{duration} of working time left",
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
        "digest.overdue_item": "  • #{ref}: {left}",
        "digest.corrections": "Reassigned: {away} away from this team, {to} to it",
        "digest.silent": "Silent customers behind these: about {silent} (about {ratio} per complaint, "
        "after Heinrich's 1:29:300; an estimate)",
        "digest.corrections_all": "Reassigned (classifier mistakes): {count}",
        "digest.themes_header": "Themes that grew:",
        "digest.theme": '  • "{phrase}" {count} (last week {previous}), e.g. {example}',
        "chart.title": "{team}: complaints ({week})",
        "chart.this_week": "this week",
        "chart.last_week": "last week",
        "chart.kept": "answered in time",
        "digest.attention": "High priority: {priority}; customers who complained more than once: {repeat}",
        "digest.teams_header": "By team (biggest change first):",
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
        "slack.button.acknowledge": "Acknowledge",
        "slack.button.resolve": "Resolve",
        "slack.reassign": "Reassign",
        "slack.snooze": "Snooze reminders",
        "slack.snooze_hours": "{hours} h",
        "slack.correct": "Correct the department",
        "slack.modal.title": "Forward a complaint",
        "slack.modal.submit": "Send",
        "slack.modal.close": "Cancel",
        "slack.modal.text": "Complaint",
        "slack.modal.order": "Order number",
        "slack.modal.channel": "Customer channel",
        "slack.modal.department": "Department (empty: the bot decides)",
        "slack.customer.line": "LINE",
        "slack.customer.phone": "Phone",
        "slack.customer.email": "E-mail",
        "slack.customer.form": "Contact form",
        "slack.customer.chat": "Chat",
        "slack.customer.other": "Other",
        "slack.complaint.order": "Order number: {order}",
        "slack.complaint.channel": "Customer channel: {channel}",
        "slack.home.count": "{department}: {count}",
        "slack.home.more": "and {count} more",
        # line texts (bot/adapters/line.py)
        "line.quota": "⚠️ LINE push messages this month ({month}) are past {level} of the {quota} allowed. At the limit, cards, reminders and digests stop reaching the teams' groups; consider a larger plan.",
        "line.ask_text": "Please send the complaint as text. Stickers, images, videos, audio, files and locations alone cannot be taken (an image sent right after a complaint is attached to it).",
        "line.attached": "Attached to #{ref}.",
        "line.joined": "This group's id is {group_id}.\nTo get a department's tickets here, add line_group = \"{group_id}\" to its [[departments]] entry in config.toml and restart (tickets needing triage: [line] triage_group; managers: [managers] line_group).",
        "line.bad_postback": "That action could not be taken. Please try again from the card's buttons.",
        "line.done": "{actor}: {text}",
        "line.reply.title": "Received #{ref}",
        "line.reply.department": "Department",
        "line.reply.deadline": "Reply due",
        "line.reply.triage": "Triage will pick the department.",
        "line.reply.correct": "Wrong department? Pick the right one below.",
        "line.button.ack": "Acknowledge",
        "line.button.resolve": "Resolve",
        "line.button.reassign": "Reassign",
        "line.button.snooze": "Snooze {hours} h",
        "line.reassign.prompt": "Where should #{ref} go?",
        "line.cut": "… (cut: too long)",
        "action.attached": "attached media",
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
        # --- slack (#4) ---
        #
        # --- classifier (#3) ---
        #
        "flag.repeat": "same customer 3+ times in 7 days",
        "card.order": "Order number: {order}",
        "card.guesses": "Best guesses: {guesses}",
        "card.guess": "{department} {percent}",
        # --- digest delivery (#7) ---
        #
        # --- operations (#8) ---
        #
        # --- access and records (#9) ---
        #
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
        "reminder.header.warning": "⏰ 답변 기한이 다가옵니다",
        "reminder.header.last_call": "🔔 곧 답변 기한입니다",
        "reminder.header.overdue": "🚨 답변 기한을 초과했습니다. 매니저에게 에스컬레이션했습니다",
        "reminder.header.escalation": "🚨 에스컬레이션: 답변 기한을 초과한 티켓",
        "reminder.item": "#{ref} {department}: {left} (기한 {deadline}) {summary}",
        "reminder.header.nudge": "🚨 기한을 초과한 채 아직 답변하지 않았습니다 (재알림)",
        "reminder.header.breach": "🌙 곧 영업이 끝납니다. 다음 영업 시작({reopen}) 전에 기한을 넘기는 티켓:",
        "time.working_left": "영업시간 기준 {duration} 남음",
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
        "digest.overdue_item": "  · #{ref}: {left}",
        "digest.corrections": "재배정: 이 팀에서 {away}건, 이 팀으로 {to}건",
        "digest.silent": "말하지 않는 고객 추정: 약 {silent}명 (불만 1건당 약 {ratio}명, 하인리히 법칙 1:29:300 기준 추정)",
        "digest.corrections_all": "재배정 (분류 오류): {count}건",
        "digest.themes_header": "늘어난 주제:",
        "digest.theme": '  · "{phrase}" {count}건 (지난주 {previous}건) 예: {example}',
        "chart.title": "{team} 불만 건수 ({week})",
        "chart.this_week": "이번 주",
        "chart.last_week": "지난주",
        "chart.kept": "기한 내 답변율",
        "digest.attention": "우선 대응 {priority}건, 여러 번 문의한 고객 {repeat}명",
        "digest.teams_header": "팀별 (변화가 큰 순):",
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
        "slack.button.acknowledge": "처리 시작",
        "slack.button.resolve": "해결",
        "slack.reassign": "부서 변경",
        "slack.snooze": "알림 멈춤",
        "slack.snooze_hours": "{hours}시간",
        "slack.correct": "부서 정정",
        "slack.modal.title": "불만 등록",
        "slack.modal.submit": "등록",
        "slack.modal.close": "취소",
        "slack.modal.text": "불만 내용",
        "slack.modal.order": "주문번호",
        "slack.modal.channel": "접수 경로",
        "slack.modal.department": "부서 (비워 두면 자동 배정)",
        "slack.customer.line": "LINE",
        "slack.customer.phone": "전화",
        "slack.customer.email": "이메일",
        "slack.customer.form": "문의 양식",
        "slack.customer.chat": "채팅",
        "slack.customer.other": "기타",
        "slack.complaint.order": "주문번호: {order}",
        "slack.complaint.channel": "접수 경로: {channel}",
        "slack.home.count": "{department}: {count}건",
        "slack.home.more": "외 {count}건",
        # line texts (bot/adapters/line.py)
        "line.quota": "⚠️ 이번 달({month}) LINE 푸시 메시지가 한도 {quota}건의 {level}을(를) 넘었습니다. 한도에 도달하면 팀 그룹에 카드·알림·리포트가 전달되지 않습니다. 요금제 변경을 검토해 주세요.",
        "line.ask_text": "불만 내용은 텍스트로 보내 주세요. 스티커·이미지·동영상·음성·파일·위치 정보만으로는 접수할 수 없습니다 (불만 직후에 보낸 이미지는 그 불만에 첨부합니다).",
        "line.attached": "#{ref}에 첨부했습니다.",
        "line.joined": '이 그룹의 ID는 {group_id}입니다.\n티켓을 이 그룹으로 받으려면 config.toml 의 해당 [[departments]] 에 line_group = "{group_id}" 를 추가하고 다시 시작해 주세요 (분류 필요: [line] triage_group, 매니저: [managers] line_group).',
        "line.bad_postback": "이 조작은 처리할 수 없습니다. 카드의 버튼으로 다시 시도해 주세요.",
        "line.done": "{actor} 님: {text}",
        "line.reply.title": "접수 #{ref}",
        "line.reply.department": "담당 부서",
        "line.reply.deadline": "답변 기한",
        "line.reply.triage": "분류 담당자가 부서를 정합니다.",
        "line.reply.correct": "부서가 다르면 아래 버튼으로 고칠 수 있습니다.",
        "line.button.ack": "처리 시작",
        "line.button.resolve": "해결",
        "line.button.reassign": "재배정",
        "line.button.snooze": "{hours}시간 멈춤",
        "line.reassign.prompt": "#{ref}을(를) 재배정할 부서를 고르세요.",
        "line.cut": "… (길어서 생략)",
        "action.attached": "이미지 등을 첨부했습니다",
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
        # --- slack (#4) ---
        #
        # --- classifier (#3) ---
        #
        "flag.repeat": "같은 고객 7일 내 3회 이상",
        "card.order": "주문번호: {order}",
        "card.guesses": "추천 부서: {guesses}",
        "card.guess": "{department} {percent}",
        # --- digest delivery (#7) ---
        #
        # --- operations (#8) ---
        #
        # --- access and records (#9) ---
        #
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
