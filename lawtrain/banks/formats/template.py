"""The downloadable import template: header row, a 题型 drop-down, one example per type (a case too), instructions."""

from __future__ import annotations

import io

from lawtrain.banks.formats.records import CASE, FILL_BLANK, MULTIPLE, SINGLE, TRUE_FALSE, Citation, QuestionRecord
from lawtrain.banks.formats.spreadsheet_writer import header_row, rows_of

EXAMPLES = [
    QuestionRecord(
        type=SINGLE,
        stem="生产经营单位的主要负责人是本单位安全生产的（ ），对本单位的安全生产工作全面负责。",
        options=["第一责任人", "直接责任人", "监督责任人", "间接责任人"],
        answer=["A"],
        explanation="《安全生产法》第五条：生产经营单位的主要负责人是本单"
                    "位安全生产第一责任人，对本单位的安全生产工作全面负责。",
        points=1,
        difficulty=2,
        basis=[Citation("安全生产法", 5)],
        tags=["主要负责人职责"],
        external_id="示例-001",
    ),
    QuestionRecord(
        type=MULTIPLE,
        stem="安全生产工作坚持哪些方针？",
        options=["安全第一", "预防为主", "综合治理", "效益优先"],
        answer=["A", "B", "C"],
        explanation="《安全生产法》第三条：安全生产工作坚持安全第一、预防为主、综合治理的方针。",
        points=2,
        difficulty=2,
        basis=[Citation("安全生产法", 3)],
        tags=["方针原则"],
        external_id="示例-002",
    ),
    QuestionRecord(
        type=TRUE_FALSE,
        stem="生产经营单位的从业人员有依法获得安全生产保障的权利，并应当依法履行安全生产方面的义务。",
        answer=["true"],
        explanation="《安全生产法》第六条。",
        points=1,
        difficulty=1,
        basis=[Citation("安全生产法", 6)],
        tags=["从业人员权利义务"],
        external_id="示例-003",
    ),
    QuestionRecord(
        type=FILL_BLANK,
        stem="安全生产工作应当以人为本，坚持人民至上、____至上。",
        answer=[["生命"]],
        explanation="《安全生产法》第三条。多个空用 | 分隔答案，同一个空的多个可接受答案用 ; 分隔。",
        points=1,
        difficulty=2,
        basis=[Citation("安全生产法", 3)],
        tags=["方针原则"],
        external_id="示例-004",
    ),
]

EXAMPLES.append(QuestionRecord(
    type=CASE,
    stem="2025年5月，区应急管理局执法人员检查某金属制品公司，发现其喷涂车间的两名工人正在进行电焊作业，"
         "不能出示特种作业操作证；公司负责人称两人是刚从劳务公司借来的“熟练工”。",
    difficulty=3,
    tags=["特种作业"],
    external_id="示例-案例-01",
    items=[
        QuestionRecord(type=TRUE_FALSE, stem="两名工人虽是借来的劳务人员，也必须取得相应资格后才能上岗作业。",
                       answer=["true"], explanation="《安全生产法》第三十条。", points=2, difficulty=2,
                       basis=[Citation("安全生产法", 30)], external_id="示例-案例-01-1"),
        QuestionRecord(type=SINGLE, stem="对该公司的违法行为，执法人员首先应当：", answer=["B"], points=3, difficulty=3,
                       options=["直接吊销营业执照", "责令限期改正，处十万元以下的罚款", "移送公安机关", "不予处理"],
                       explanation="《安全生产法》第九十七条第七项。", basis=[Citation("安全生产法", 97)],
                       external_id="示例-案例-01-2"),
    ],
))

INSTRUCTIONS = [
    ("列名", "是否必填", "填写说明"),
    ("题目ID", "否", "稳定的编号，如 WSL-021-01。再次导入相同题目ID的行会更新"
                  "该题（生成新版本），而不是新增。也可写作：编号、external_id"),
    ("题型", "是", "从下拉框选择：单选题、多选题、判断题、填空题（也接受 单选"
                "、多选、判断、是非题、填空、single、multiple、"
              "true_false、fill_blank）。也可写作：试题类型、题目类型、类型"),
    ("题干", "是", "题目文字。开头的题号（如“12.”“12、”）会自动去掉。填空题用 ____（两个以上下划线）或（ ）标出每个空。"
              "也可写作：题目、题目内容、试题、问题"),
    ("选项A…选项H", "选择题必填", "每列一个选项，至少两个，按顺序连续填写。也可以把全部选项写在一列“选项”中，"
                           "每个选项以 A. A、 A: (A) 开头，或每行一个选项。判断题、填空题不填"),
    ("答案", "是", "单选：B；多选：ACD（也接受 A,C,D、A;C;D、A、C、"
                "D）；判断：正确/错误（也接受 对/错、√/×、T/F、是/否）；"
              "填空：每个空的答案用 | 分隔，同一个空的多个可接受答案用 "
              "; 分隔，如 七日;7日|三十日。也可写作：正确答案、题目答案"),
    ("解析", "否", "答题后和错题本中显示的讲解。也可写作：答案解析"),
    ("分值", "否", "数字；不填时使用考试规则中的默认分值"),
    ("难度", "否", "1（最易）到 5（最难）；也接受 易/中/难（分别记为 2/3/4）、简单/中等/困难"),
    ("法律依据", "否", "如《安全生产法》第二十一条；多个用 ；分隔；连续条"
                  "文写作 第二十一条至第二十三条。也可写作：依据、出处"),
    ("知识点", "否", "多个用 ; 分隔。也可写作：标签"),
    ("案例", "案例分析题必填", "案例分析题（一段案情加 2–6 道小题）：先写一行，题型选“案例分析题”，"
                         "题干写案情（可换行），题目ID 写案例编号，“案例”列写同一编号，不填选项和答案；"
                         "紧接着每道小题一行（单选、多选、判断、填空），“案例”列都写这个编号，其余各列照常填写。小题必须紧跟在案情行之后，中间不能插入其他题目；"
                         "出错时会指出是哪一行。普通题目的“案例”列留空"),
    ("", "", ""),
    ("其他说明", "", "第一行必须是表头；空行会被跳过；无法识别的列会被忽略并提示。也可以按题型分多个工作表"
                "（命名为 单选题/多选题/判断题/填空题），此时可以不填“题型”列。"),
    ("", "", "CSV 文件可以是 UTF-8 或 GBK/GB18030 编码。导入前会先预览，所有问题会逐行列出，确认后才会保存。"),
]


def build_template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    headers = header_row(4, cases=True)
    sheet.append(headers)
    for values in rows_of(EXAMPLES, 4):
        sheet.append(values)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    widths = {"题目ID": 14, "题型": 10, "题干": 48, "答案": 16, "解析": 40, "分值": 8, "难度": 8, "法律依据": 26,
              "知识点": 18}
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(header, 18)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    type_column = get_column_letter(headers.index("题型") + 1)
    validation = DataValidation(
        type="list",
        formula1='"单选题,多选题,判断题,填空题,案例分析题"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="题型",
        error="请从下拉框选择：单选题、多选题、判断题、填空题、案例分析题",
        promptTitle="题型",
        prompt="单选题、多选题、判断题、填空题或案例分析题（案情行）",
        showInputMessage=True,
    )
    validation.add(f"{type_column}2:{type_column}5000")
    sheet.add_data_validation(validation)
    difficulty_column = get_column_letter(headers.index("难度") + 1)
    level = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                           showErrorMessage=True, errorTitle="难度", error="难度为 1（最易）到 5（最难）的整数")
    level.add(f"{difficulty_column}2:{difficulty_column}5000")
    sheet.add_data_validation(level)

    notes = workbook.create_sheet("说明")
    for line in INSTRUCTIONS:
        notes.append(list(line))
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 100
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
