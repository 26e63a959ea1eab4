"""Japanese texts of the customer channel: what the customer is told, the team's thread, satisfaction, reply
templates.
"""

TEXTS: dict[str, str] = {
    "customer.acknowledgement": "{customer}様、お問い合わせありがとうございます。受付番号{ticket}で承りました。担当者より{deadline}までにご返信いたします。",
    "customer.someone": "お客",
    "customer.attached": "画像・ファイルを受け取りました（#{ref}）。担当者が確認いたします。",
    "customer.ask_text": "お問い合わせありがとうございます。恐れ入りますが、お問い合わせ内容を文章でお送りください。",
    "thread.customer_attached": "📎 お客様が画像・ファイルを送りました（#{ref}）。LINEの公式アカウントのチャットで確認できます。",
    "customer.satisfaction.question": "お問い合わせ#{ref}の対応はいかがでしたか？当てはまるものを1つお選びください。",
    "customer.satisfaction.thanks": "ご回答ありがとうございました。今後のサービス向上に活かしてまいります。",
    "satisfaction.good": "満足",
    "satisfaction.ok": "普通",
    "satisfaction.bad": "不満",
    "satisfaction.score": "{score}点",
    "template.default": "{customer}様\nお問い合わせ（受付番号{ticket}）いただき、誠にありがとうございます。内容を確認のうえ、改めてご連絡いたします。今しばらくお待ちくださいませ。",
    "template.logistics": "{customer}様\nこのたびはお届けに関してご迷惑をおかけし、大変申し訳ございません。ご注文（{order_number}）の配送状況を確認し、改めてご連絡いたします。",
    "template.orders": "{customer}様\nご注文（{order_number}）についてお問い合わせいただき、ありがとうございます。ご注文内容を確認のうえ、改めてご連絡いたします。",
    "template.billing": "{customer}様\nお支払い・ご請求の件でご不安をおかけし、申し訳ございません。ご注文（{order_number}）のご請求内容を確認し、改めてご連絡いたします。",
    "template.product": "{customer}様\nお届けした商品に不具合があり、大変申し訳ございません。交換または返品にて対応いたします。ご希望をお知らせいただけますでしょうか。",
    "template.website": "{customer}様\nサイトのご利用中にご不便をおかけし、申し訳ございません。状況を確認のうえ、改めてご連絡いたします。",
    "template.marketing": "{customer}様\nキャンペーン・ご案内の件でご迷惑をおかけし、申し訳ございません。内容を確認のうえ、改めてご連絡いたします。",
    "template.support": "{customer}様\nご対応にご不満をおかけし、誠に申し訳ございません。いただいたご意見を真摯に受け止め、改めてご連絡いたします。",
    "thread.customer_wrote": "💬 お客様からのメッセージ（#{ref}）：{text}",
    "thread.customer_thanked": "🙏 お客様からのお礼・了解（#{ref}）：{text}（返信は不要です）",
    "thread.customer_reopened": "🔄 お客様からのメッセージで#{ref}を再開しました（新しい期限：{deadline}）：{text}",
    "customer.reopened": "{customer}様、メッセージありがとうございます。お問い合わせ#{ref}の対応を再開いたしました。担当者より{deadline}までにご返信いたします。",
    "thread.replied": "↩️ {actor}さんがお客様に返信しました：{text}",
    "thread.auto_resolved": "#{ref}はお客様の返信を{days}日間お待ちしたため、自動で解決済みにしました。",
}
