"""Government files as they are laid out in the wild, for the samples that
crawler/demo/files/make_govfiles.py prints with real tools and tests read back digit for digit:
official documents (公文, GB/T 9704) with two- and three-line titles and a 版记 between rules, a
budget report of tables with a cover of field labels, a statistics report with footnote numbers
set as superscripts, a regulation that takes effect on a day of its own, a notice printed from a
browser with the site around it, and an OFD whose writer set every character as its own object.

Each sample says what a reader must get from it: the title, the date and where it comes from,
and the text (``body``: the paragraphs the file prints as text, in order; the tests compare the
extracted body with it, number for number).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GovFile:
    name: str  # the file in crawler/demo/files/
    title: str  # as typed, the lines of a multi-line title joined
    body: list[str]  # the text's paragraphs, as a web copy has them
    published: str | None  # the date a reader quotes
    published_from: str | None  # which evidence it is read from
    source: str | None = None  # the issuer its sign-off names
    furniture: list[str] = field(default_factory=list)  # printed, never in the text
    title_lines: list[str] = field(default_factory=list)  # how the title is set
    signed: str = ""  # the 成文日期 as printed
    html_name: str | None = None  # the page it was printed from, served beside it


_SUMMARY = [
    "2022年，县委统战部在县委的坚强领导下，围绕中心、服务大局，全县统一战线工作取得新成效。",
    "全年共组织党外代表人士开展专题调研12次，形成调研报告8篇，其中3篇获县领导批示。",
    "引导非公有制企业参与“万企兴万村”行动，落实帮扶资金1126.5万元，惠及农户3,418户。",
    "民族宗教工作平稳有序，全县62处宗教活动场所安全检查覆盖率达到100%。",
    "2023年，我们将继续坚持稳中求进，推动统一战线工作再上新台阶。",
]

TWO_LINE = GovFile(
    name="gw-two-line-title.pdf",
    title="中共青山县委统战部关于2022年度统一战线工作情况的总结报告",
    title_lines=["中共青山县委统战部关于2022年度统一战线", "工作情况的总结报告"],
    body=_SUMMARY,
    published="2023-03-28",
    published_from="sign-off in the text",
    source="中共青山县委统战部",
    signed="2023年3月28日",
    furniture=[
        "000123", "秘密★1年", "特急", "中共青山县委统战部文件", "青统发〔2023〕12号",
        "县委，县人大常委会，县政府，县政协：", "（此件公开发布）", "抄送：", "日印发", "共印",
    ],
)  # fmt: skip

THREE_LINE = GovFile(
    name="gw-three-line-title.pdf",
    title="青山县人民政府办公室关于印发青山县2022年度优化营商环境工作总结和2023年工作安排的通知",
    title_lines=[
        "青山县人民政府办公室关于印发",
        "青山县2022年度优化营商环境工作总结",
        "和2023年工作安排的通知",
    ],
    body=[
        "《青山县2022年度优化营商环境工作总结和2023年工作安排》已经县政府同意，现印发给你们，请认真贯彻执行。",
        "2022年全县新增市场主体4,126户，同比增长17.3%；企业开办时间压缩至0.5个工作日。",
        "政务服务事项“一网通办”率达到98.62%，382项事项实现“跨省通办”。",
    ],
    published="2023-03-28",
    published_from="sign-off in the text",
    source="青山县人民政府办公室",
    signed="二〇二三年三月二十八日",
    furniture=["青山县人民政府办公室文件", "青政办发〔2023〕7号", "抄送：", "日印发", "共印"],
)

BUDGET = GovFile(
    name="budget-2025.pdf",
    title="上海市青山区教育局2025年区级部门预算",
    title_lines=["上海市青山区教育局", "2025年区级部门预算"],
    # a table's row keeps its cells apart; the gap a word processor leaves between a Chinese
    # label and a figure is closed, as everywhere
    body=[
        "一、部门主要职能",
        "贯彻执行国家和本市有关教育工作的方针、政策和法律法规，统筹规划全区各级各类教育事业发展。",
        "二、部门收支预算总表",
        "项目 预算数 上年预算数 增减",
        "一般公共预算拨款收入186,452.37 171,208.90 15,243.47",
        "政府性基金预算拨款收入2,310.00 1,980.50 329.50",
        "事业收入9,876.12 9,540.33 335.79",
        "收入总计198,638.49 182,729.73 15,908.76",
        "三、一般公共预算当年拨款规模变化情况",
        "2025年一般公共预算拨款186,452.37万元，比2024年增加15,243.47万元，增长8.9%。",
    ],
    published="2025-02-14",
    published_from="document metadata (no date printed)",
    furniture=["预算主管部门：", "编制日期："],
)

FOOTNOTES = GovFile(
    name="stats-footnotes.pdf",
    title="青山市2022年国民经济和社会发展统计公报",
    title_lines=["青山市2022年国民经济和社会发展统计公报"],
    body=[
        "年末全市常住人口1761.48万人，比上年末增加12.36万人。",
        "常住人口性别比为122.44，户籍人口630.94万人。",
        "全年全市生产总值11226.78亿元，比上年增长6.1%。",
        "全年二氧化碳（CO₂）排放强度下降3.2%，建成区绿地面积达到86.5km²。",
        "注：1.常住人口为年末数据。2.性别比以女性为100。3.户籍人口由公安部门提供。",
    ],
    published="2023-03-20",
    published_from="sign-off in the text",
    source="青山市统计局",
    signed="2023年3月20日",
    html_name="stats-footnotes.html",
)

REGULATION = GovFile(
    name="regulation-effective.pdf",
    title="青山县文明行为促进条例",
    title_lines=["青山县文明行为促进条例"],
    body=[
        "（2010年12月28日青山县第十五届人民代表大会常务委员会第二十次会议通过）",
        "第一条 为了培育和践行社会主义核心价值观，提升公民文明素质，制定本条例。",
        "第二条 本县行政区域内的文明行为促进工作，适用本条例。",
        "第三条 县人民政府每年安排文明行为促进专项经费不少于50万元。",
        "第四条 本条例自2011年3月1日起施行。",
    ],
    # the effective date and the adoption are never the document's date: the file's metadata is
    published="2011-02-15",
    published_from="document metadata (no date printed)",
)

RUNS = GovFile(
    name="regulation-runs.pdf",
    title="青山县烟花爆竹燃放管理规定",
    title_lines=["青山县烟花爆竹燃放管理规定"],
    body=[
        "（2023年3月28日青山县人民政府第9次常务会议修订通过）",
        "第一条 为了加强烟花爆竹燃放管理，保障公共安全，制定本规定。",
        "第二条 每年农历腊月二十三至正月十六，城区以外可以燃放烟花爆竹。",
    ],
    published="2023-04-03",
    published_from="sign-off in the text",
    source="青山县人民政府",
    signed="2023年4月3日",
)

METADATA_ONLY = GovFile(
    name="notice-metadata-date.pdf",
    title="关于开展2023年度统计执法检查工作的通知",
    title_lines=["关于开展2023年度统计执法检查工作的通知"],
    body=[
        "根据上级部署，县统计局将于第三季度对全县35家规模以上企业开展统计执法检查，检查内容包括统计台账、原始记录和联网直报数据质量。",
        "请各单位于规定时间内报送自查报告，联系电话：0791-86123456。",
    ],
    published="2023-07-02",
    published_from="document metadata (no date printed)",
)

BROWSER = GovFile(
    name="browser-print-notice.pdf",
    title="青山县应急管理局2022年度工作总结",
    title_lines=["青山县应急管理局2022年度工作总结"],
    body=[
        "2022年，县应急管理局全力防风险、保安全、护稳定，全县安全生产形势持续稳定向好。",
        "全年共排查整改安全隐患2,847处，整改率100%；开展应急演练156场次，参与群众3.2万人次。",
        "全县生产安全事故起数、死亡人数同比分别下降21.4%和18.2%，未发生较大以上事故。",
        "防汛抗旱、森林防火工作扎实有效，成功应对强降雨过程7次，转移安置群众1,236人，实现了不死人、少伤人的目标。",
        "2023年，我们将坚持人民至上、生命至上，持续推进安全生产治本攻坚，全力保障人民群众生命财产安全。",
    ],
    published="2023-02-28",
    published_from="sign-off in the text",
    source="青山县应急管理局",
    signed="2023年2月28日",
    furniture=["请输入关键字", "当前位置", "版权所有", "ICP备", "发布时间"],
    html_name="browser-print-notice.html",
)

OFD_CHARS = GovFile(
    name="gw-per-character.ofd",
    title="青山县财政局关于2022年度财政决算审查情况的工作总结",
    title_lines=["青山县财政局关于2022年度财政决算审查", "情况的工作总结"],
    body=[
        "根据我市2023年第7次常务会议安排，县财政局对2022年度财政决算进行了审查。",
        "全年一般公共预算收入28.63亿元，完成预算的102.4%，依据青财发〔2012〕21号文件执行。",
        "审查会2023年第7次会议于2023年7月12日召开，审议通过了决算草案。",
    ],
    published="2023-07-12",
    published_from="sign-off in the text",
    source="青山县财政局",
    signed="2023年7月12日",
    furniture=["青山县财政局文件", "青财发〔2023〕9号", "抄送：", "日印发"],
)

SAMPLES = [
    TWO_LINE,
    THREE_LINE,
    BUDGET,
    FOOTNOTES,
    REGULATION,
    RUNS,
    METADATA_ONLY,
    BROWSER,
    OFD_CHARS,
]
