"""Makes the sample document files that crawler/demo/attachments.py serves, with the tools that
make such files in the wild. Run once (the files are committed): needs Debian's chromium with
fonts-noto-cjk, LibreOffice (soffice), and the test extra's python-docx and reportlab.

    python crawler/demo/files/make.py

- lj-summary-2022.pdf: printed by headless Chromium (embedded CJK subsets with ToUnicode maps, as
  modern government PDFs are), with Chromium's running header and footer (date, title, file URL,
  page numbers) on every page.
- lj-summary-2022-cover.pdf: the same with a cover page (title, issuer, month) before the text.
- yx-review-2022.pdf: reportlab with the non-embedded Adobe-GB1 font STSong-Light and no ToUnicode
  map, the shape of PDFs made by older server-side tools.
- qs-summary-2022.docx: python-docx, a heading and body paragraphs; qs-summary-2022.doc: the same
  file saved as Word 97-2003 by LibreOffice.
- lj-plan-2023.docx: a work plan (not a summary), python-docx.
- qs-summary-2022-numbered.docx: the summary with its headings numbered by Word's automatic
  numbering (一、 drawn from word/numbering.xml, not in the text), python-docx; LibreOffice draws
  the same numbers (`soffice --convert-to txt`).
- qs-summary-2022-gongwen.pdf: the same summary laid out as an official document (公文) in
  python-docx (a running header with the issuing body, 「— N —」 page numbers in the footer, a
  centred title, indented paragraphs, the signature and date at the end) and printed to PDF by
  LibreOffice, as Word and WPS users publish them.
- qs-summary-2022-hongtou.pdf and .docx: the same, as the whole official document (红头文件): the
  red 发文机关标志 (run over two lines), the 文号, the 主送机关, and under the sign-off the 附注
  and 版记 (抄送, 印发), none of which a repost on a news site has.
- qs-summary-2022-hongtou.ofd: that PDF converted to OFD by easyofd (`pip install easyofd`; its
  pdf2ofd), as OFD files are made from PDFs in the wild; easyofd writes its own namespace and the
  page box in points, the objects in millimetres.
- encrypted.pdf: yx-review-2022.pdf encrypted by pypdf with a user password.
- scanned.pdf: reportlab, one page holding only an image (a scan has no text layer).
- nomap.pdf: qs-summary-2022-gongwen.pdf with its fonts' ToUnicode maps taken out by pypdf: embedded CJK
  subsets that say nothing of what their glyphs mean, as some typesetting tools and PDF printers
  write them (the text layer is there; its characters are not).
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from crawler.demo.cms import load_articles  # noqa: E402


def chromium_pdf(article, target: Path, cover: bool = False) -> None:
    """``cover``: a cover page (the title, the issuing body and the month, alone on page one), as
    longer reports are bound; the text begins on page two under the title again."""
    paragraphs = "".join(
        f"<p>{html.escape(line)}</p>" for line in article.body.strip().splitlines()
    )
    title = html.escape(article.title)
    year, month, _day = article.published.split("-")
    front = (
        f"<div style='page-break-after:always;text-align:center'><h1 style='margin-top:200pt;"
        f"font-size:30pt'>{title}</h1><p style='margin-top:260pt;text-indent:0'>"
        f"{html.escape(article.source or '')}</p><p style='text-indent:0'>{year}年{int(month)}月</p>"
        "</div>"
        if cover
        else ""
    )
    page = (
        f"<html><head><meta charset='utf-8'><title>{title}</title><style>"
        "body{font-family:'Noto Serif CJK SC';font-size:17pt} h1{font-size:24pt;text-align:center}"
        "p{text-indent:2em;margin:0 0 4pt 0;line-height:1.6}</style></head>"
        f"<body>{front}<h1>{title}</h1>{paragraphs}</body></html>"
    )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "summary.html"
        source.write_text(page, encoding="utf-8")
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             f"--print-to-pdf={target}", source.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip


def reportlab_pdf(article, target: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=20, leading=30, alignment=1)
    body = ParagraphStyle(
        "b", fontName="STSong-Light", fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK"
    )
    story = [Paragraph(article.title, title)]
    story += [Paragraph(line, body) for line in article.body.strip().splitlines()]
    SimpleDocTemplate(str(target), pagesize=A4, title=article.title).build(story)


def docx(article, target: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading(article.title, level=1)
    for line in article.body.strip().splitlines():
        document.add_paragraph(line)
    document.core_properties.title = article.title
    document.save(target)


def numbered_docx(article, target: Path) -> None:
    """The article with its headings (一、…) numbered by Word's automatic numbering, not typed:
    a list definition (chineseCounting, "%1、") in word/numbering.xml and a numPr on each
    heading, as Word and WPS write an auto-numbered document."""
    import re

    from docx import Document
    from docx.oxml import parse_xml

    document = Document()
    document.add_heading(article.title, level=0)
    numbering = document.part.numbering_part.element
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/><w:lvlJc w:val="left"/></w:lvl>'
        "</w:abstractNum>"
    ))  # fmt: skip
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for line in article.body.strip().splitlines():
        typed = re.match(r"^[一二三四五六七八九十]+、", line)
        paragraph = document.add_paragraph(line[typed.end() :] if typed else line)
        if typed:
            paragraph._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {w}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'
            ))  # fmt: skip
    document.save(target)


def gongwen(article, target: Path, letterhead: bool = False) -> None:
    """``letterhead``: the whole official document, with its 版头 (the red 发文机关标志, too long
    for one line at 40 pt, and the 文号), 主送机关, 附注 and 版记; the Word file is kept too."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(18)
    normal.font.name = "Noto Serif CJK SC"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = "中共青山县委统战部"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = footer.add_run()
        if kind:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
        else:
            mark = OxmlElement("w:instrText")
            mark.text = text
        run._r.append(mark)
    footer.add_run(" —")
    if letterhead:
        mark = document.add_paragraph("中共青山县委统战部文件")
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mark.runs[0].font.size = Pt(40)
        mark.runs[0].font.color.rgb = RGBColor(0xE0, 0, 0)
        document.add_paragraph("青统发〔2023〕3号").alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = document.add_paragraph(article.title)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].font.size = Pt(24)
    if letterhead:
        document.add_paragraph("各乡镇党委，县直各单位：")
    for line in article.body.strip().splitlines():
        document.add_paragraph(line).paragraph_format.first_line_indent = Pt(36)
    year, month, day = article.published.split("-")
    for line in ("中共青山县委统战部", f"{year}年{int(month)}月{int(day)}日"):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if letterhead:
        for line in ("（此件公开发布）", "抄送：市委统战部。",
                     f"中共青山县委统战部办公室　　　　{year}年{int(month)}月{int(day)}日印发"):  # fmt: skip
            document.add_paragraph(line).runs[0].font.size = Pt(14)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / (target.stem + ".docx")
        document.save(source)
        if letterhead:
            target.with_suffix(".docx").write_bytes(source.read_bytes())
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
            check=True, capture_output=True,
        )  # fmt: skip
        target.write_bytes((Path(folder) / (target.stem + ".pdf")).read_bytes())


def ofd(source: Path, target: Path) -> None:
    from easyofd.ofd import OFD

    target.write_bytes(OFD().pdf2ofd(source.read_bytes(), optional_text=True))


def encrypted(source: Path, target: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with open(target, "wb") as stream:
        writer.write(stream)


def without_unicode_maps(source: Path, target: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(source))
    for page in writer.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font.get_object().pop(NameObject("/ToUnicode"), None)
    with open(target, "wb") as stream:
        writer.write(stream)


def scanned(target: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width, height = 120, 160  # a grey "scan": pixels, no text
    pixels = bytes((x * 7 + y * 3) % 256 for y in range(height) for x in range(width))
    header = f"P5 {width} {height} 255\n".encode()
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(header + pixels))
    pdf = canvas.Canvas(str(target), pagesize=A4)
    pdf.drawImage(ImageReader(image), 50, 300, width=480, height=640)
    pdf.showPage()
    pdf.save()


def main() -> None:
    articles = load_articles()
    chromium_pdf(articles["lj-summary-2022"], HERE / "lj-summary-2022.pdf")
    chromium_pdf(articles["lj-summary-2022"], HERE / "lj-summary-2022-cover.pdf", cover=True)
    reportlab_pdf(articles["yx-review-2022"], HERE / "yx-review-2022.pdf")
    docx(articles["qs-summary-2022"], HERE / "qs-summary-2022.docx")
    docx(articles["lj-plan-2023"], HERE / "lj-plan-2023.docx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "doc", "--outdir", str(HERE),
         str(HERE / "qs-summary-2022.docx")],
        check=True, capture_output=True,
    )  # fmt: skip
    gongwen(articles["qs-summary-2022"], HERE / "qs-summary-2022-gongwen.pdf")
    numbered_docx(articles["qs-summary-2022"], HERE / "qs-summary-2022-numbered.docx")
    gongwen(articles["qs-summary-2022"], HERE / "qs-summary-2022-hongtou.pdf", letterhead=True)
    ofd(HERE / "qs-summary-2022-hongtou.pdf", HERE / "qs-summary-2022-hongtou.ofd")
    encrypted(HERE / "yx-review-2022.pdf", HERE / "encrypted.pdf")
    scanned(HERE / "scanned.pdf")
    without_unicode_maps(HERE / "qs-summary-2022-gongwen.pdf", HERE / "nomap.pdf")
    for path in sorted(HERE.glob("*.*")):
        if path.suffix != ".py":
            print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
