"""Everything the bot says outside the survey questions, in English and Simplified Chinese.

Short sentences, plain words: most readers are in their late sixties, on a phone.
"""

from __future__ import annotations

from surveys.model import Text

__all__ = ["T"]


class T:
    """The catalogue. Placeholders are filled with ``Text.format``."""

    invite_needed = Text(
        "Hello. This is the spine ward's follow-up service.\n"
        "To start, please open the invite link the ward gave you, or ask a nurse for one.",
        "您好，这里是脊柱外科的术后随访服务。\n请打开病房给您的邀请链接，或向护士索取。",
    )
    invite_unknown = Text(
        "This invite link is not valid. Please ask the ward for a new one.",
        "这个邀请链接无效。请向病房索取新的链接。",
    )
    invite_expired = Text(
        "This invite link has expired. Please ask the ward for a new one.",
        "这个邀请链接已过期。请向病房索取新的链接。",
    )
    invite_used = Text(
        "This invite link was already used. If that was not you, please tell the ward.\n"
        "Ask the ward for a new link if you need one.",
        "这个邀请链接已经用过了。如果不是您本人使用的，请告诉病房。\n如需要，请向病房索取新的链接。",
    )
    chat_taken = Text(
        "This Telegram account is already linked to another patient. Please ask the ward.",
        "这个Telegram账号已绑定了另一位患者。请联系病房。",
    )
    consent = Text(
        "Welcome. After your back operation we will send you short check-ins "
        "about leg pain, back pain, numbness and walking.\n\n"
        "• Each takes about 2 minutes.\n"
        "• Your answers go to the spine ward team. Only they can see them.\n"
        "• We never ask for your name.\n"
        "• To pause at any time, send /stop.\n\n"
        "This is not an emergency service. In an emergency, call {emergency}.",
        "欢迎。腰椎手术后，我们会发给您简短的随访问卷，"
        "问腿痛、腰痛、麻木和走路的情况。\n\n"
        "• 每次大约2分钟。\n"
        "• 您的回答只给脊柱外科团队看。\n"
        "• 我们不会问您的姓名。\n"
        "• 想暂停时，发送 /stop。\n\n"
        "这不是急救服务。紧急情况请拨打 {emergency}。",
    )
    consent_button = Text("OK, I agree", "好的，我同意")
    consent_decline_button = Text("No, thank you", "不用了，谢谢")
    consent_needed = Text(
        "Please tap “OK, I agree” to start, or “No, thank you” if you do not want the check-ins.",
        "请点“好的，我同意”开始；如果不想参加随访，请点“不用了，谢谢”。",
    )
    consent_declined = Text(
        "Thank you. You will not get check-ins, and the ward has been told.\n"
        "If you change your mind, send /start.\n"
        "If you have a problem with your back or legs, please call the ward: {phone}.",
        "好的。我们不会给您发随访问卷，并已告诉病房。\n"
        "如果您改变主意，请发送 /start。\n"
        "如果腰或腿有问题，请打电话给病房：{phone}。",
    )
    message_to_ward = Text(
        "Thank you. Your message has been passed to the ward nurses. "
        "They read messages on working days.\n"
        "For anything urgent, call the ward: {phone}. In an emergency, call {emergency}.",
        "谢谢。您的留言已转给病房护士，她们在工作日查看留言。\n"
        "紧急的事请打电话给病房：{phone}。危急情况请拨打 {emergency}。",
    )
    red_flags_unclear = Text(
        "Thank you. I could not match your answer to the list, so I have passed your words "
        "to the nurses. They will look at them within a working day.\n"
        "If it is urgent, call the ward: {phone}.",
        "谢谢。我没能把您的回答对应到选项上，已把您的原话转给护士，她们会在一个工作日内查看。\n"
        "如果情况紧急，请打电话给病房：{phone}。",
    )
    typed_selection = Text(
        "Chosen so far: {selection}. You can add more, or tap “Done” if that is all.",
        "目前选了：{selection}。可以继续添加；如果就这些，请点“完成”。",
    )
    choose_language = Text("Which language do you prefer?", "您想用哪种语言？")
    language_set = Text("OK, I will write in English.", "好的，我会用中文。")
    who_answers = Text("Who is answering today?", "今天是谁在回答？")
    who_patient = Text("Me, the patient", "我自己（患者）")
    who_caregiver = Text("A family member or carer", "家属或护理人员")
    baseline_intro = Text(
        "First, a few questions about how you were BEFORE the operation.",
        "先问几个问题，关于您手术之前的情况。",
    )
    baseline_recalled_intro = Text(
        "First, a few questions about how you were BEFORE the operation. "
        "Please answer as well as you remember.",
        "先问几个问题，关于您手术之前的情况。请尽量回忆。",
    )
    checkin_intro = Text(
        "Time for your check-in (day {day} after your operation). It takes about 2 minutes.",
        "该做随访了（术后第{day}天），大约需要2分钟。",
    )
    reminder = Text(
        "A gentle reminder: your check-in is waiting. Here is the question again.",
        "温馨提醒：您的随访问卷还没完成。这是刚才的问题。",
    )
    thanks = Text(
        "Thank you. Your answers are saved and the team can see them.",
        "谢谢您。您的回答已保存，团队可以看到。",
    )
    next_checkin = Text("Next check-in: {date}.", "下次随访：{date}。")
    nothing_open = Text(
        "There are no questions for you right now. I will write when the next check-in is due.",
        "现在没有需要回答的问题。下次随访时我会通知您。",
    )
    button_stale = Text("This question was already answered.", "这个问题已经回答过了。")
    button_invalid = Text("This button no longer works.", "这个按钮已失效。")
    checkin_closed = Text(
        "This check-in has closed. Thank you, there is nothing more to answer here.",
        "这次随访已经结束，无需再回答。谢谢。",
    )
    saved = Text("Saved", "已保存")
    skipped = Text("Skipped", "已跳过")
    answer_prefix = Text("Your answer: {answer}", "您的回答：{answer}")
    skip_button = Text("Skip", "跳过")
    back_button = Text("◀ Back", "◀ 返回")
    done_button = Text("Done ✔", "完成 ✔")
    choose_then_done = Text(
        "Tap all that apply, then tap “Done”.", "请点选所有符合的选项，然后点“完成”。"
    )
    pick_at_least_one = Text("Please choose at least one answer.", "请至少选一项。")
    type_or_tap = Text("Tap a button or type your answer.", "请点按钮，或直接输入答案。")
    type_answer = Text("Please type your answer.", "请输入您的答案。")
    red_advice = Text(
        "⚠️ This answer can be a sign of a problem that needs a doctor today.\n"
        "Please call the spine ward now: {phone}.\n"
        "If you cannot reach the ward, or it is night or a weekend, call {emergency} "
        "or go to the emergency department.",
        "⚠️ 这个回答可能表示需要今天看医生的问题。\n"
        "请马上打电话给脊柱外科病房：{phone}。\n"
        "如果联系不上病房，或者是夜间、周末，请拨打 {emergency} 或去急诊。",
    )
    red_nurses_alerted = Text(
        "We are alerting the nurses too, but please do not wait for their call.",
        "我们也在通知护士，但请不要等护士打电话给您。",
    )
    red_nurses_not_alerted = Text(
        "The nurses are not alerted automatically: please call the ward yourself.",
        "系统不会自动通知护士，请您自己打电话给病房。",
    )
    red_continue = Text(
        "When you are ready, you can finish the other questions below.",
        "您方便时，可以继续回答下面的问题。",
    )
    amber_note = Text(
        "Thank you. A nurse will look at this answer within a working day.",
        "谢谢。护士会在一个工作日内查看这个回答。",
    )
    help = Text(
        "I send short check-ins after your back operation.\n"
        "• Answer by tapping the buttons, or type the answer.\n"
        "• “◀ Back” changes your last answer.\n"
        "/stop – pause the check-ins\n"
        "/resume – start them again\n"
        "/language – English / 中文\n"
        "/progress – see how you are doing\n"
        "This is not an emergency service. In an emergency, call {emergency}.",
        "我会在您腰椎手术后发送简短的随访问卷。\n"
        "• 点按钮回答，或直接输入答案。\n"
        "• 点“◀ 返回”可以修改上一个回答。\n"
        "/stop – 暂停随访\n"
        "/resume – 恢复随访\n"
        "/language – English / 中文\n"
        "/progress – 查看恢复情况\n"
        "这不是急救服务。紧急情况请拨打 {emergency}。",
    )
    stop_confirm = Text(
        "Pause all check-ins? You can start again any time with /resume.",
        "要暂停所有随访吗？之后随时可以发送 /resume 恢复。",
    )
    stop_yes = Text("Yes, pause", "是的，暂停")
    stop_no = Text("No, keep going", "不，继续")
    stopped = Text(
        "Check-ins are paused. Send /resume to start again.\n"
        "If you have a problem with your back or legs, please call the ward: {phone}.",
        "随访已暂停。发送 /resume 可以恢复。\n如果腰或腿有问题，请打电话给病房：{phone}。",
    )
    not_stopped = Text("OK, check-ins continue.", "好的，随访继续。")
    resumed = Text("Welcome back. Check-ins are on again.", "欢迎回来，随访已恢复。")
    not_paused = Text("Check-ins are already on.", "随访本来就在进行中。")
    unknown_command = Text(
        "I don't know that command. Send /help to see what I can do.",
        "我不认识这个命令。发送 /help 查看可用的命令。",
    )
    unsupported = Text(
        "Sorry, I can only read text and button taps. Please type your answer or use the buttons.",
        "抱歉，我只能读文字和按钮。请输入答案或点按钮。",
    )
    edited = Text(
        "I can't use edited messages. To change your last answer, tap “◀ Back”.",
        "我无法读取修改过的消息。要修改上一个回答，请点“◀ 返回”。",
    )
    something_wrong = Text(
        "Sorry, something went wrong on our side. Please try again in a minute.",
        "抱歉，我们这边出了点问题。请一分钟后再试。",
    )
    yes = Text("Yes", "是")
    no = Text("No", "否")
    ward_phone_missing = Text("the number on your discharge letter", "出院小结上的电话")
