"""The printed parts of an official document (公文, laid out by GB/T 9704) that are about the
document rather than of it, found on its PDF or Word file and on web pages that copy it whole.

Above the title, the 版头: 份号 (a six-digit copy number), 密级 and 紧急程度 (机密★1年, 特急), the
发文机关标志 (中共青山县委统战部文件, in large red type), the 发文字号 (青统发〔2023〕3号) and
签发人; under the title, the 主送机关 (各乡镇党委，县直各单位：). Below the sign-off, the 附注 ((此件公开发布), (联系人：…)) and the 版记 (抄送：…, the printing office
and 2023年1月10日印发). A repost of the same text on a news site has none of them, so neither does
the archived body: the same summary hashes alike from its 公文 file and from its web copy.
"""

from __future__ import annotations

import re

# The issuing bodies' names end so (as the sign-off's issuer does: crawler/extract/body.py).
_BODY_NAME = r"[\u4e00-\u9fff（）()、]{2,40}(?:部|局|委|委员会|政府|办公室|办|厅|院|会|处|室|中心|组|所|站|队|党组)"
_LETTERHEAD = re.compile(
    r"^(?:"
    # 发文机关标志: one body, or several set side by side, then 文件
    rf"{_BODY_NAME}+(?:文件|令)"
    # the number of an order (命令格式) under its 标志
    r"|第\s*\d{1,5}\s*号"
    # 发文字号 (〔〕 as the standard has it; [] ［］ () （） as typed), with 签发人 beside it
    r"|[\u4e00-\u9fff]{1,15}\s*[〔\[［【(（]\s*(?:19|20)\d\d\s*[〕\]］】)）]\s*第?\s*[\dXx×Ｘ]{1,5}\s*号"
    r"(?:\s+签发人\s*[:：]\s*[\u4e00-\u9fff\s]{2,30})?"
    r"|签发人\s*[:：]\s*[\u4e00-\u9fff\s]{2,30}"
    # 份号, 密级 and 保密期限, 紧急程度
    r"|\d{6}|(?:绝密|机密|秘密)\s*(?:★\s*\S{0,8})?|特急|加急|平急"
    r"|(?:份号|密级|保密期限|紧急程度|缓急)\s*[:：]\s*\S{0,12}"
    r")$"
)
_SPACE = re.compile(r"\s+")
_ADDRESSEES = re.compile(
    r"^(?:[\u4e00-\u9fff（）()]{1,40}(?:党委|党组|政府|单位|部门|机关|人民团体|人大|政协|部|局|委|办|厅|院|会|处|室|中心|组|所|站|队)[，,、；;]?)+[:：]$"
)
_RECORD = re.compile(
    r"^(?:"
    r"(?:抄送|抄报|分送|报送|发送)\s*[:：].{1,200}"
    r"|.{0,60}?(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发"
    r"|[（(]\s*(?:此件|本件)[^（）()]{2,16}[)）]"
    r"|[（(]?\s*共印\s*[\d一二三四五六七八九十百]{1,6}\s*份\s*[)）]?"
    r"|[（(]?\s*(?:公开方式|公开属性|信息公开选项)\s*[:：][^（）()]{1,20}[)）]?"
    r"|[（(]\s*联系人\s*[:：][^（）()]{2,80}[)）]"
    r")$"
)


def is_letterhead(line: str) -> bool:
    """A line of an official document's 版头 (above its title); its spacing (the gap a word
    processor sets between Chinese and digits, the letter-spacing of a 标志) does not count."""
    return bool(_LETTERHEAD.match(_SPACE.sub("", line)))


_ISSUER_MARK = re.compile(rf"^{_BODY_NAME}+$")


def is_issuer_name(line: str) -> bool:
    """A line that is only the names of issuing bodies: the 发文机关标志 of a letter (信函格式)
    or of a joint document, which carries no 文件 after it."""
    return bool(_ISSUER_MARK.match(_SPACE.sub("", line)))


def is_addressees(line: str) -> bool:
    """An official document's 主送机关 line under its title (各乡镇党委，县直各单位：): bodies, not
    a salutation (各位代表：, 同志们：)."""
    return bool(_ADDRESSEES.match(_SPACE.sub("", line)))


def is_record_line(line: str) -> bool:
    """A line of an official document's 附注 or 版记 (below its sign-off)."""
    return bool(_RECORD.match(line.strip()))


# The heads of a 版记's lines: who else receives the document, who printed it and when, how many
# copies; set between the closing rules at the foot of the last page.
_RECORD_HEAD = re.compile(r"^(?:抄送|抄报|分送)\s*[:：]|印\s*发$|^[（(]?\s*共印")


def record_tail(lines: list[str]) -> int:
    """How many of the last lines are the document's 附注 and 版记: from the first line of a
    版记 among the last eight (a 抄送 list running over two lines, the printing office and date,
    共印N份) to the end, and the 附注 lines above it ((此件公开发布))."""
    count = 0
    window = len(lines) - min(8, len(lines))
    head = next(
        (index for index in range(window, len(lines)) if _RECORD_HEAD.search(lines[index].strip())),
        None,
    )
    if head is not None and all(len(line) <= 120 for line in lines[head:]):
        count = len(lines) - head
    while count < len(lines) and is_record_line(lines[-1 - count]):
        count += 1
    return count
