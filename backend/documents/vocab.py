"""Fixed words of statements: kinds, titles, the Chinese labels the PDF and the verification page show."""

from __future__ import annotations

KINDS = ("contributions", "employment", "qualification", "contract")
STATUSES = ("valid", "withdrawn")

TITLES = {
    "contributions": "社会保险参保缴费证明",
    "employment": "就业经历证明",
    "qualification": "职业资格（技能等级、职称）证明",
    "contract": "劳动合同证明",
}

INSURANCES = ("pension", "medical", "unemployment", "work_injury", "maternity")
INSURANCE_NAMES = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "maternity": "生育保险",
}
CONTRIBUTION_STATUS = {"paid": "已缴", "arrears": "欠缴"}
# The national scale of vocational skill levels: 1 is the highest.
SKILL_LEVELS = {1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工"}
TITLE_LEVELS = {"junior": "初级", "intermediate": "中级", "deputy_senior": "副高级", "senior": "正高级"}
TERM_KINDS = {"fixed": "固定期限", "open_ended": "无固定期限", "task": "以完成一定工作任务为期限"}
CONTRACT_STATUS = {"signed": "履行中", "terminated": "已解除/终止"}
QUALIFICATION_KINDS = ("qualification", "professional_title", "skill_evaluation")

# A contributions statement covers at most ten years (600 lines at five insurances a month).
MAX_MONTHS = 120
ISSUER = "广东省人力资源和社会保障厅（一卡通电子文书）"
VERIFIER_NAME = "文书核验页"  # who reads a statement's content on the holder's access record
