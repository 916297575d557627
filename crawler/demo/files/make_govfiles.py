"""Makes the government-file samples of crawler/demo/govfiles.py with the tools that make such
files in the wild. Run once (the files are committed): needs Debian's chromium with
fonts-noto-cjk, and the test extra's reportlab and pypdf.

    python crawler/demo/files/make_govfiles.py

- gw-two-line-title.pdf, gw-three-line-title.pdf: official documents (GB/T 9704) printed by
  headless Chromium: 份号, 密级 and 紧急程度 at the top left, the red 发文机关标志 and the 文号
  over the red rule, the title centred over two or three lines, the 主送机关, the sign-off (a
  date in Arabic or in Chinese numerals), the 附注 and the 版记 between its closing rules (抄送
  over two lines, the printing office and date, 共印N份).
- budget-2025.pdf: a budget report as budget offices print them: a cover with the body's name
  and the title in large type over field labels (预算主管部门：…), then tables of figures; its
  metadata dated by pypdf (no date is printed).
- stats-footnotes.pdf: a statistics report whose figures carry footnote numbers set as
  superscripts before and after them (<sup>), a unit's power (km²) and a chemical index (CO₂), and
  a Kangxi radical (⼾, U+2F3E) where the text means 户; stats-footnotes.html is the page printed.
- regulation-effective.pdf: a regulation whose last article says when it takes effect and whose
  head says when it was adopted; no date is signed, the metadata says when the file was made.
- regulation-runs.pdf: reportlab drawing a line's Chinese first and its digits after, each at its
  place (the text layer says ``于 年月 日修`` then ``2023 3 28``), as some server-side tools do.
- notice-metadata-date.pdf: reportlab, no date printed; the metadata's CreationDate only.
- browser-print-notice.pdf: browser-print-notice.html (a county site's article page: site
  header, search box, breadcrumbs, the 通知, the footer) printed by Chromium as a visitor prints
  it, with Chromium's running header and footer (print date, page title, URL, page numbers).
- gw-per-character.ofd: an OFD written as 数科 and 福昕 writers write them: every character its
  own TextObject at its own place, digits as one-character objects with half-width advances.
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from crawler.demo import govfiles  # noqa: E402

_GONGWEN_CSS = (
    "@page{size:A4;margin:37mm 26mm 35mm 28mm}"
    "body{font-family:'Noto Serif CJK SC';font-size:16pt;line-height:28.9pt;margin:0}"
    "p{margin:0;text-indent:2em}.c{text-align:center;text-indent:0}.r{text-align:right}"
    ".l{text-indent:0}.mark{color:#e00;font-size:36pt;line-height:50pt;letter-spacing:2pt}"
    ".rule{border-bottom:2px solid #e00;margin:6pt 0 28pt 0;padding-bottom:10pt}"
    "h1{font-size:22pt;line-height:33pt;font-weight:bold;text-align:center;margin:0 0 28pt 0}"
    ".record{margin-top:40pt;border-top:1px solid #000;border-bottom:1px solid #000;"
    "font-size:14pt;line-height:24pt}.record p{text-indent:0}"
    ".between{border-top:0.5px solid #000}"
)


def _print(page: str, target: Path, header_footer: bool = False) -> None:
    """``page`` printed by headless Chromium; ``header_footer``: with its running header (print
    date, page title) and footer (URL, page numbers), as a visitor's print has them."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.html"
        source.write_text(page, encoding="utf-8")
        flags = [] if header_footer else ["--no-pdf-header-footer"]
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", *flags,
             f"--print-to-pdf={target}", source.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def gongwen(sample, mark: str, number: str, addressees: str, head: list[str]) -> str:
    """An official document's HTML laid out by GB/T 9704."""
    year, month, day = sample.published.split("-")
    head_html = "".join(f"<p class='l'>{html.escape(line)}</p>" for line in head)
    title = "<br>".join(html.escape(line) for line in sample.title_lines)
    return (
        f"<html><head><meta charset='utf-8'><title>{html.escape(sample.title)}</title>"
        f"<style>{_GONGWEN_CSS}</style></head><body>{head_html}"
        f"<div class='rule'><p class='c mark'>{html.escape(mark)}</p>"
        f"<p class='c'>{html.escape(number)}</p></div><h1>{title}</h1>"
        f"<p class='l'>{html.escape(addressees)}</p>{_paragraphs(sample.body)}"
        f"<p class='r' style='margin-top:40pt'>{html.escape(sample.source)}</p>"
        f"<p class='r'>{html.escape(sample.signed)}</p><p>（此件公开发布）</p>"
        "<div class='record'><p>抄送：县委办公室，县人大常委会办公室，县政府办公室，县政协办公室，"
        "县纪委监委，县法院，县检察院。</p>"
        f"<p class='between'>{html.escape(sample.source)}办公室"
        f"<span style='float:right'>{year}年{int(month)}月{int(day) + 2}日印发</span></p>"
        "<p class='between'>（共印50份）</p></div></body></html>"
    )


def budget(sample) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line.split()) + "</tr>"
        for line in sample.body[3:8]
    )
    text = lambda lines: _paragraphs(lines)  # noqa: E731
    return (
        "<html><head><meta charset='utf-8'><title>部门预算</title><style>"
        "body{font-family:'Noto Serif CJK SC';font-size:12pt;line-height:22pt}"
        "p{margin:0;text-indent:2em}.cover{page-break-after:always;text-align:center}"
        ".cover p{text-indent:0}.big{font-size:26pt;line-height:40pt;font-weight:bold}"
        "table{width:100%;border-collapse:collapse}td{border:1px solid #000;padding:2pt 6pt;"
        "text-align:right;width:22%}td:first-child{text-align:left;width:34%}"
        "</style></head><body><div class='cover'><p class='big' style='margin-top:150pt'>"
        f"{sample.title_lines[0]}</p><p class='big'>{sample.title_lines[1]}</p>"
        "<p style='margin-top:220pt;font-size:16pt'>预算主管部门：上海市青山区教育局</p>"
        "<p style='font-size:16pt'>编制日期：2025年2月</p></div>"
        f"{text(sample.body[:3])}<table>{rows}</table>{text(sample.body[8:])}</body></html>"
    )


def footnotes(sample) -> str:
    body = [
        "年末全市常住人口<sup>1</sup>1761.48万人，比上年末增加12.36万人。",
        "常住人口性别比<sup>2</sup>为122.44<sup>3</sup>，⼾籍人口<sup>4</sup>630.94万人。",
        "全年全市生产总值11226.78亿元<sup>5</sup>，比上年增长6.1%。",
        "全年二氧化碳（CO<sub>2</sub>）排放强度下降3.2%，建成区绿地面积达到86.5km<sup>2</sup>。",
        "注：1.常住人口为年末数据。2.性别比以女性为100。3.户籍人口由公安部门提供。",
    ]
    return (
        "<html><head><meta charset='utf-8'><title>统计公报</title><style>"
        "body{font-family:'Noto Serif CJK SC';font-size:15pt;line-height:26pt;margin:0 70pt}"
        "p{margin:0;text-indent:2em}h1{font-size:22pt;text-align:center}.r{text-align:right}"
        f"</style></head><body><h1>{sample.title}</h1>"
        + "".join(f"<p>{line}</p>" for line in body)
        + f"<p class='r'>{sample.source}</p><p class='r'>{sample.signed}</p></body></html>"
    )


def regulation(sample) -> str:
    return (
        "<html><head><meta charset='utf-8'><title>条例</title><style>"
        "body{font-family:'Noto Serif CJK SC';font-size:16pt;line-height:28pt}"
        "p{margin:0;text-indent:2em}h1{font-size:22pt;text-align:center}"
        f"</style></head><body><h1>{sample.title}</h1>{_paragraphs(sample.body)}</body></html>"
    )


def browser_page(sample) -> str:
    """A county site's article page, as its CMS renders it (the page a visitor prints)."""
    return (
        f"<html><head><meta charset='utf-8'><title>{sample.title}_青山县人民政府</title><style>"
        "body{font-family:'Noto Sans CJK SC';font-size:14px;margin:0}"
        ".top{background:#1565c0;color:#fff;padding:12px 20px;font-size:30px}"
        ".nav a{margin:0 12px;font-size:16px}.search{float:right}"
        ".crumb{margin:10px 20px;color:#666}.article{margin:0 60px}"
        ".article h1{font-size:24px;text-align:center}.info{text-align:center;color:#888}"
        ".content p{text-indent:2em;font-size:16px;line-height:30px}.r{text-align:right}"
        ".footer{margin-top:40px;border-top:1px solid #ccc;text-align:center;color:#666}"
        "</style></head><body><div class='top'>青山县人民政府<form class='search'>"
        "<input placeholder='请输入关键字' size='16'><button>搜索</button></form></div>"
        "<div class='nav'><a href='/'>首页</a><a href='/#zwgk'>政务公开</a>"
        "<a href='/#tzgg'>通知公告</a><a href='/#hdjl'>互动交流</a></div>"
        "<div class='crumb'>当前位置：首页 &gt; 通知公告 &gt; 正文</div><div class='article'>"
        f"<h1>{sample.title}</h1><div class='info'>发布时间：2023-03-01　来源：{sample.source}</div>"
        f"<div class='content'>{_paragraphs(sample.body)}<p class='r'>{sample.source}</p>"
        f"<p class='r'>{sample.signed}</p></div></div><div class='footer'>"
        "<p>版权所有：青山县人民政府　主办单位：青山县人民政府办公室</p>"
        "<p>网站标识码：3601230001　赣ICP备05001234号</p></div></body></html>"
    )


def reportlab_runs(sample, target: Path) -> None:
    """The regulation drawn line by line, the head line's Chinese first and its digits after,
    each at its own place, as the text layer of some server-side tools has them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(target), pagesize=A4, invariant=1)
    width, height = A4
    pdf.setFont("STSong-Light", 20)
    pdf.drawCentredString(width / 2, height - 90, sample.title)
    y = height - 140
    for index, line in enumerate(sample.body + [sample.source, sample.signed]):
        size = 13
        x = (
            70
            if index < len(sample.body)
            else width - 70 - pdfmetrics.stringWidth(line, "STSong-Light", size)
        )
        if index == 0:  # Chinese first, then the digits, each where it is printed
            pieces, position = [], x
            for ch in line:
                pieces.append((position, ch))
                position += pdfmetrics.stringWidth(ch, "STSong-Light", size)
            pdf.setFont("STSong-Light", size)
            for position, ch in [p for p in pieces if not p[1].isdigit()] + [
                p for p in pieces if p[1].isdigit()
            ]:
                pdf.drawString(position, y, ch)
        else:
            pdf.setFont("STSong-Light", size)
            pdf.drawString(x + (26 if index < len(sample.body) else 0), y, line)
        y -= 26
    pdf.setTitle(sample.title)
    pdf.showPage()
    pdf.save()


def reportlab_notice(sample, target: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(target), pagesize=A4, invariant=1)
    width, height = A4
    pdf.setFont("STSong-Light", 20)
    pdf.drawCentredString(width / 2, height - 90, sample.title)
    pdf.setFont("STSong-Light", 14)
    y = height - 140
    for paragraph in [
        "各乡镇统计站：",
        *sample.body,
    ]:  # 26 characters to a line, a paragraph indented by two
        x, rest = (70, paragraph) if paragraph.endswith("：") else (98, paragraph)
        while rest:
            room = 26 - (2 if x == 98 else 0)
            while 0 < room < len(rest) and rest[room - 1].isascii() and rest[room].isascii():
                room -= 1  # a line breaker never parts a number
            pdf.drawString(x, y, rest[:room])
            rest, x, y = rest[room:], 70, y - 28
    pdf.showPage()
    pdf.save()


def dated(target: Path, day: str) -> None:
    """The file's metadata dated ``day`` (YYYYMMDD), as the tool that made it would."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(target))
    writer.add_metadata(
        {"/CreationDate": f"D:{day}093000+08'00'", "/ModDate": f"D:{day}093000+08'00'"}
    )
    with open(target, "wb") as stream:
        writer.write(stream)


def per_character_ofd(sample, target: Path) -> None:
    """Every character its own TextObject (Boundary at the character, one TextCode with no
    DeltaX), laid out by GB/T 9704 on A4 in millimetres."""
    ns = "http://www.ofdspec.org/2016"
    objects: list[str] = []

    def put(text: str, x: float, top: float, size: float) -> None:
        for ch in text:
            advance = size * (0.5 if ch.isascii() else 1.0)
            objects.append(
                f"<ofd:TextObject ID='{len(objects) + 10}' Boundary='{x:.2f} {top:.2f} "
                f"{advance:.2f} {size:.2f}' Font='3' Size='{size:.2f}'><ofd:TextCode X='0' "
                f"Y='{size * 0.88:.2f}'>{html.escape(ch)}</ofd:TextCode></ofd:TextObject>"
            )
            x += advance

    def width(text: str, size: float) -> float:
        return sum(size * (0.5 if ch.isascii() else 1.0) for ch in text)

    body, left, right, top = 5.6, 28.0, 184.0, 37.0
    put("青山县财政局文件", 105 - width("青山县财政局文件", 12.7) / 2, top, 12.7)
    top += 22
    put("青财发〔2023〕9号", 105 - width("青财发〔2023〕9号", body) / 2, top, body)
    top += 16
    for line in sample.title_lines:
        put(line, 105 - width(line, 7.76) / 2, top, 7.76)
        top += 11.5
    top += 4
    put("各乡镇人民政府，县直各单位：", left, top, body)
    top += 10.2
    for paragraph in sample.body:
        line, x = "", left + 2 * body
        for ch in paragraph:
            if x + width(line + ch, body) > right:
                put(line, x, top, body)
                top, line, x = top + 10.2, "", left
            line += ch
        put(line, x, top, body)
        top += 10.2
    top += 10
    for line in (sample.source, sample.signed):
        put(line, right - 4 * body - width(line, body), top, body)
        top += 10.2
    top += 20
    put("抄送：市财政局。", left + body, top, 4.9)
    put("青山县财政局办公室", left + body, top + 8, 4.9)
    put("2023年7月14日印发", right - body - width("2023年7月14日印发", 4.9), top + 8, 4.9)
    content = (
        f"<?xml version='1.0' encoding='UTF-8'?><ofd:Page xmlns:ofd='{ns}'><ofd:Content>"
        f"<ofd:Layer ID='2'>{''.join(objects)}</ofd:Layer></ofd:Content></ofd:Page>"
    )
    parts = {
        "OFD.xml": f"<?xml version='1.0' encoding='UTF-8'?><ofd:OFD xmlns:ofd='{ns}' "
        "DocType='OFD' Version='1.0'><ofd:DocBody><ofd:DocInfo><ofd:DocID>a1b2c3</ofd:DocID>"
        "<ofd:Creator>Suwell OFD Writer</ofd:Creator><ofd:CreationDate>2007-3-5"
        "</ofd:CreationDate></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        "</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<?xml version='1.0' encoding='UTF-8'?><ofd:Document "
        f"xmlns:ofd='{ns}'><ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>"
        "PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID='1' "
        "BaseLoc='Pages/Page_0/Content.xml'/></ofd:Pages></ofd:Document>",
        "Doc_0/PublicRes.xml": f"<?xml version='1.0' encoding='UTF-8'?><ofd:Res xmlns:ofd='{ns}' "
        "BaseLoc='Res'><ofd:Fonts><ofd:Font ID='3' FontName='仿宋_GB2312' FamilyName='仿宋'/>"
        "</ofd:Fonts></ofd:Res>",
        "Doc_0/Pages/Page_0/Content.xml": content,
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def garbled(target: Path) -> None:
    """A text layer whose fonts map every glyph to the wrong character (as some typesetting tools
    write standards and reports): Latin letters as rare ideographs (G → 犌, B → 犅, T → 犜, as
    seen in the wild), digits and signs as their full-width forms, each Chinese character as an
    ideograph outside common use."""
    from crawler.extract.files.garbled import is_common

    rare = [chr(code) for code in range(0x4E00, 0x9FA6) if not is_common(chr(code))]

    def wrong(ch: str) -> str:
        if ch.isascii() and ch.isalpha():
            return chr(0x7245 + ord(ch))
        if "!" <= ch <= "~":
            return chr(ord(ch) + 0xFEE0)
        return rare[ord(ch) % len(rare)] if "\u4e00" <= ch <= "\u9fff" else ch

    lines = ["GB/T 39677—2020 信息安全技术 网络安全事件应急演练指南", *govfiles.TWO_LINE.body]
    _print(regulation(govfiles.GovFile("", "".join(map(wrong, lines[0])), [
        "".join(map(wrong, line)) for line in lines[1:]], None, None)), target)  # fmt: skip


def main() -> None:
    g = govfiles
    _print(gongwen(g.TWO_LINE, "中共青山县委统战部文件", "青统发〔2023〕12号",
                   "县委，县人大常委会，县政府，县政协：", ["000123", "秘密★1年", "特急"]),
           HERE / g.TWO_LINE.name)  # fmt: skip
    _print(gongwen(g.THREE_LINE, "青山县人民政府办公室文件", "青政办发〔2023〕7号",
                   "各乡镇人民政府，县政府各部门：", []), HERE / g.THREE_LINE.name)  # fmt: skip
    _print(budget(g.BUDGET), HERE / g.BUDGET.name)
    dated(HERE / g.BUDGET.name, "20250214")
    page = footnotes(g.FOOTNOTES)
    (HERE / g.FOOTNOTES.html_name).write_text(page, encoding="utf-8")
    _print(page, HERE / g.FOOTNOTES.name)
    _print(regulation(g.REGULATION), HERE / g.REGULATION.name)
    dated(HERE / g.REGULATION.name, "20110215")
    reportlab_runs(g.RUNS, HERE / g.RUNS.name)
    reportlab_notice(g.METADATA_ONLY, HERE / g.METADATA_ONLY.name)
    dated(HERE / g.METADATA_ONLY.name, "20230702")
    page = browser_page(g.BROWSER)
    (HERE / g.BROWSER.html_name).write_text(page, encoding="utf-8")
    _print(page, HERE / g.BROWSER.name, header_footer=True)
    per_character_ofd(g.OFD_CHARS, HERE / g.OFD_CHARS.name)
    garbled(HERE / "garbled-layer.pdf")
    for sample in g.SAMPLES:
        print(f"{sample.name}: {(HERE / sample.name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
