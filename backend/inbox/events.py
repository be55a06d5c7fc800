"""What a holder is told of: the event names other features pass to `services.tell`, and the short
line a push shows for each (the wallet words the notice itself, from its own dictionaries)."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh-Hans", "zh-Hant", "en"]
LANGS: tuple[Lang, ...] = ("zh-Hans", "zh-Hant", "en")

# event -> the push's title in each language. A push says what happened, never to whom or which
# card: the wallet fetches the notice (signed in) for the details.
EVENTS: dict[str, tuple[str, str, str]] = {
    "card.loss_reported": ("您的社保卡已挂失", "您的社保卡已掛失", "Your card was reported lost"),
    "card.loss_lifted": ("您的社保卡已解除挂失", "您的社保卡已解除掛失", "The loss report on your card was lifted"),
    "card.replaced": ("您的社保卡已补换新卡", "您的社保卡已補換新卡", "Your card was replaced"),
    "card.cancelled": ("您的社保卡已注销", "您的社保卡已註銷", "Your card was cancelled"),
    "account.device_added": ("新设备已绑定电子社保卡", "新裝置已綁定電子社保卡", "A new device was bound to your e-card"),
    "account.session_created": ("您的账户有新的登录", "您的賬戶有新的登入", "New sign-in to your account"),
    "account.signin_method_added": ("已添加登录方式", "已新增登入方式", "A sign-in method was added"),
    "account.signin_method_removed": ("已移除登录方式", "已移除登入方式", "A sign-in method was removed"),
    "account.password_reset": ("您的密码已重置", "您的密碼已重設", "Your password was reset"),
    "ecard.activated": ("电子社保卡已启用", "電子社保卡已啟用", "Your e-card was activated"),
    "ecard.deactivated": ("电子社保卡已停用", "電子社保卡已停用", "Your e-card was deactivated"),
    "proofing.attempted": ("有人尝试核验您的身份", "有人嘗試核驗您的身份", "An identity check was attempted"),
    "data.agency_query": ("有机构查询了您的信息", "有機構查詢了您的資料", "An agency looked up your data"),
    "consent.used": ("您的授权已被使用", "您的授權已被使用", "An agency used your consent"),
    "certificate.issued": ("您获得了一份新证照", "您獲得了一份新證照", "A certificate was issued to you"),
    "certificate.revoked": ("您的一份证照已撤销", "您的一份證照已撤銷", "A certificate of yours was revoked"),
    "oidc.first_signin": (
        "您首次使用电子社保卡登录了一个网站",
        "您首次使用電子社保卡登入了一個網站",
        "You signed in to a new site with your e-card",
    ),
    "family.proxy_added": ("已添加亲情服务关系", "已新增親情服務關係", "A family proxy was added"),
    "family.proxy_acted": ("亲属代您出示了电子社保卡", "親屬代您出示了電子社保卡", "A relative acted for you"),
    "family.proxy_ended": ("亲情服务关系已结束", "親情服務關係已結束", "A family proxy ended"),
    "family.request": ("有人请求添加您为亲属", "有人請求新增您為親屬", "Someone asks to add you as a relative"),
    "contract.to_sign": ("有一份劳动合同待您签署", "有一份勞動合同待您簽署", "A labour contract awaits your signature"),
    "contract.signed": ("劳动合同已签订", "勞動合同已簽訂", "Your labour contract is signed"),
    "contract.withdrawn": ("用人单位已撤回一份劳动合同", "用人單位已撤回一份勞動合同", "An employer withdrew a labour contract"),
    "contract.terminated": ("劳动合同已解除", "勞動合同已解除", "A labour contract of yours was terminated"),
    "payment.received": ("您收到一笔款项", "您收到一筆款項", "You received a payment"),
    "payment.rerouted": ("款项已发放至您的新账户", "款項已發放至您的新賬戶", "A payment went to your new account"),
    "payment.held": ("一笔款项暂未到账", "一筆款項暫未到賬", "A payment to you is on hold"),
    "bank.account_opened": ("社保卡金融账户已开通", "社保卡金融賬戶已開通", "Your card's bank account is open"),
    "bank.account_refused": ("银行未能开通社保卡账户", "銀行未能開通社保卡賬戶", "The bank could not open your card's account"),
    "bank.suspended": (
        "您的合作银行已暂停社保卡业务",
        "您的合作銀行已暫停社保卡業務",
        "Your card's bank suspended card business",
    ),
    "bank.moved": ("您的社保卡已转至新的合作银行", "您的社保卡已轉至新的合作銀行", "Your card moved to another bank"),
    # issue 20: a case about the holder's card (params {"case": its printed number}); the wallet shows it
    "enforcement.case_opened": ("有一宗案件涉及您的社保卡", "有一宗案件涉及您的社保卡", "A case concerns your card"),
    "enforcement.case_decided": (
        "涉及您社保卡的案件已作出决定",
        "涉及您社保卡的案件已作出決定",
        "A decision was made in a case about your card",
    ),
    "enforcement.appeal_decided": ("您的申诉已有结果", "您的申訴已有結果", "Your appeal was decided"),
    "enforcement.case_closed": ("涉及您社保卡的案件已结案", "涉及您社保卡的案件已結案", "A case about your card was closed"),
}
# For an event a later feature names before this list knows it.
GENERIC = ("您有一条新通知", "您有一條新通知", "You have a new notice")
BODY = ("打开电子社保卡查看详情。", "打開電子社保卡查看詳情。", "Open your e-card wallet for the details.")

# A well-formed event name: an unknown one is still kept (and logged), so a feature that adds an
# event never loses the notice; the wallet and the push word it generically.
EVENT_NAME = re.compile(r"[a-z][a-z_]{0,30}\.[a-z][a-z_]{0,30}")


def push_text(event: str, lang: str) -> tuple[str, str]:
    """(title, body) of the push for `event` in `lang` (an unknown language: Simplified Chinese)."""
    index = LANGS.index(lang) if lang in LANGS else 0
    return EVENTS.get(event, GENERIC)[index], BODY[index]
