"""Korean texts of the customer channel: what the customer is told, the team's thread, satisfaction, reply
templates.
"""

TEXTS: dict[str, str] = {
    "customer.acknowledgement": "{customer}님, 문의해 주셔서 감사합니다. 접수 번호 {ticket}(으)로 접수되었습니다. {deadline}까지 담당자가 답변드리겠습니다.",
    "customer.someone": "고객",
    "customer.attached": "이미지·파일을 받았습니다(#{ref}). 담당자가 확인하겠습니다.",
    "customer.ask_text": "문의해 주셔서 감사합니다. 번거로우시겠지만 문의 내용을 글로 보내 주세요.",
    "thread.customer_attached": "📎 고객이 이미지·파일을 보냈습니다(#{ref}). 공식 계정 채팅에서 확인할 수 있습니다.",
    "customer.satisfaction.question": "문의 #{ref}에 대한 응대는 어떠셨나요? 하나를 선택해 주세요.",
    "customer.satisfaction.thanks": "응답해 주셔서 감사합니다. 서비스 개선에 활용하겠습니다.",
    "satisfaction.good": "만족",
    "satisfaction.ok": "보통",
    "satisfaction.bad": "불만",
    "satisfaction.score": "{score}점",
    "template.default": "{customer}님\n문의(접수 번호 {ticket})해 주셔서 감사합니다. 내용을 확인한 후 다시 연락드리겠습니다.",
    "template.logistics": "{customer}님\n배송 관련하여 불편을 드려 대단히 죄송합니다. 주문({order_number})의 배송 상황을 확인한 후 다시 연락드리겠습니다.",
    "template.orders": "{customer}님\n주문({order_number})에 대해 문의해 주셔서 감사합니다. 주문 내용을 확인한 후 다시 연락드리겠습니다.",
    "template.billing": "{customer}님\n결제·청구 건으로 걱정을 끼쳐 드려 죄송합니다. 주문({order_number})의 청구 내용을 확인한 후 다시 연락드리겠습니다.",
    "template.product": "{customer}님\n상품에 불량이 있어 대단히 죄송합니다. 교환 또는 반품으로 처리해 드리겠습니다. 원하시는 방법을 알려 주시겠어요?",
    "template.website": "{customer}님\n사이트 이용 중 불편을 드려 죄송합니다. 상황을 확인한 후 다시 연락드리겠습니다.",
    "template.marketing": "{customer}님\n캠페인·안내 관련하여 불편을 드려 죄송합니다. 내용을 확인한 후 다시 연락드리겠습니다.",
    "template.support": "{customer}님\n응대로 불쾌함을 드려 진심으로 죄송합니다. 주신 의견을 무겁게 받아들이고 다시 연락드리겠습니다.",
    "thread.customer_wrote": "💬 고객 메시지(#{ref}): {text}",
    "thread.customer_thanked": "🙏 고객의 감사·확인 메시지(#{ref}): {text} (답변 불필요)",
    "thread.customer_reopened": "🔄 고객 메시지로 #{ref}을(를) 다시 열었습니다(새 기한: {deadline}): {text}",
    "customer.reopened": "{customer}님, 메시지 감사합니다. 문의 #{ref}의 처리를 다시 시작했습니다. 담당자가 {deadline}까지 답변드리겠습니다.",
    "thread.replied": "↩️ {actor}님이 고객에게 답변했습니다: {text}",
    "thread.auto_resolved": "#{ref}은(는) 고객의 답변을 {days}일간 기다려 자동으로 해결됨으로 처리했습니다.",
}
