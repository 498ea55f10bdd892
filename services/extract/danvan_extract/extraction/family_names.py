"""Vietnamese family names: the anchor of every person match.

Folded (``nguyen``) for scanning folded text, and as written (``nguyễn``) to tell a name
("Trương") from a title word with the same letters ("Trưởng").
"""

from __future__ import annotations

_FOLDED = """
    au bach banh bui cao chau che chu cu dam dang dao diep dieu dinh do doan duong giang ha
    han hang hau ho hoang hong hua huynh k khong khuat khuc kieu kim ksor la lai lam le lieu
    lo lu luong luu ly ma mac mai man mong mua nghiem ngo nguyen nhu ninh nong ong pham phan
    phi phung phuong quach quan quang rah ro siu son sung tang tao tat thach thai than thao
    thi thieu tieu to ton tong tran trang trieu trinh truong ung uong van vang vi vo vu
    vuong xa y
    cam quang luong sam tong bac giang thao sung chao ban hoang lu ly vang mua
"""
_WRITTEN = """
    bành bùi bạch cao chu châu chế cù diệp dương giang giáp hoàng huỳnh hà hàn hàng hầu hồ
    hồng hứa k khuất khúc khổng kim kiều ksor la liễu lâm lã lê lò lý lưu lương lại lục lữ
    ma mai mã mông mùa mạc mẫn nghiêm nguyễn ngô như ninh nông phan phí phùng phương phạm
    quan quang quách rah rơ siu sùng sơn thi thiều thào thái thân thạch tiêu trang triệu
    trương trần trịnh tô tôn tăng tạ tất tống uông vi vàng võ văn vũ vương y âu ông đinh
    điểu đoàn đàm đào đậu đặng đồng đỗ ứng
    cầm quàng lường sầm tòng bạc giàng thào sùng chảo bàn lù mùa vàng hờ
"""
FAMILY_NAMES: frozenset[str] = frozenset(_FOLDED.split())
WRITTEN_FAMILY_NAMES: frozenset[str] = frozenset(_WRITTEN.split())
