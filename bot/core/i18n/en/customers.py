"""English texts of the customer channel: what the customer is told, the team's thread, satisfaction, reply
templates.
"""

TEXTS: dict[str, str] = {
    "customer.acknowledgement": "Dear {customer}, thank you for contacting us. Your request is number {ticket}; we will reply by {deadline}.",
    "customer.someone": "customer",
    "customer.attached": "We have received your photo or file (#{ref}); we will look at it.",
    "customer.ask_text": "Thank you for contacting us. Please describe your request in a text message.",
    "thread.customer_attached": "📎 The customer sent a photo or file (#{ref}); see it in the official account's chat.",
    "customer.satisfaction.question": "How did we do with your request #{ref}? Please pick one.",
    "customer.satisfaction.thanks": "Thank you for your answer. It helps us serve you better.",
    "satisfaction.good": "Satisfied",
    "satisfaction.ok": "Neutral",
    "satisfaction.bad": "Unsatisfied",
    "satisfaction.score": "{score}/5",
    "template.default": "Dear {customer},\nThank you for contacting us (request {ticket}). We are looking into it and will get back to you shortly.",
    "template.logistics": "Dear {customer},\nWe are very sorry for the trouble with your delivery. We are checking the shipment of order {order_number} and will get back to you.",
    "template.orders": "Dear {customer},\nThank you for your question about order {order_number}. We are checking it and will get back to you.",
    "template.billing": "Dear {customer},\nWe are sorry for the worry about your payment. We are checking the charges for order {order_number} and will get back to you.",
    "template.product": "Dear {customer},\nWe are very sorry that the item arrived faulty. We will replace or refund it; please tell us which you prefer.",
    "template.website": "Dear {customer},\nWe are sorry for the trouble with our website. We are looking into it and will get back to you.",
    "template.marketing": "Dear {customer},\nWe are sorry for the trouble with our campaign. We are looking into it and will get back to you.",
    "template.support": "Dear {customer},\nWe sincerely apologise for how we handled your request. We take your feedback seriously and will get back to you.",
    "thread.customer_wrote": "💬 The customer wrote (#{ref}): {text}",
    "thread.customer_thanked": "🙏 The customer said thanks (#{ref}): {text} (no answer needed)",
    "thread.customer_reopened": "🔄 #{ref} reopened by the customer's message (new deadline: {deadline}): {text}",
    "customer.reopened": "Dear {customer}, thank you for your message. We have reopened your inquiry #{ref} and will get back to you by {deadline}.",
    "thread.replied": "↩️ {actor} replied to the customer: {text}",
    "thread.auto_resolved": "#{ref} waited {days} days for the customer and was resolved automatically.",
}
