"""Use cases in scripts beyond Latin and in languages beyond Western Europe: folding keeps
Cyrillic, Greek and CJK letters, headings find their section, prose finds none, and a
whole use case in Russian, Indonesian, Chinese or Turkish reads as it would in English."""

from __future__ import annotations

import pytest

from bot.usecase.lexicon.fold import fold, normalize
from bot.usecase.lexicon.languages import LANGUAGES
from bot.usecase.model import Kind
from bot.usecase.parse import parse
from bot.usecase.synonyms import section_key

CODES = ("ru", "uk", "tr", "id", "zh", "ro", "hu", "fi", "el", "ja")


def test_every_new_language_has_a_file():
    assert set(CODES) <= {lang.code for lang in LANGUAGES}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Основной сценарий", "основнои сценарии"),  # й is и with a breve
        ("Актёр", "актер"),
        ("Σενάριο ΧΡΉΣΗΣ", "σεναριο χρησησ"),  # tonos gone, final ς as σ
        ("基本事件流：", "基本事件流"),
        ("备选事件流1：余额不足", "备选事件流 1 余额不足"),
        ("ｶﾞｲﾄﾞ", "ガイド"),  # half-width kana, voicing kept
        ("İŞLEM", "islem"),
        ("Main Succès Scenario", "main succes scenario"),
        ("Hauptablauf über Ø", "hauptablauf ueber oe"),
    ],
)
def test_folding_keeps_other_scripts_and_drops_accents(text, folded):
    assert normalize(text) == folded


def test_voiced_kana_are_other_words():
    assert fold("ゴール") != fold("コール")


def test_turkish_i_and_umlauts_are_typed_every_way():
    assert {section_key(h) for h in ("AKTÖR", "Aktör", "aktor", "Aktor")} == {"actors"}
    assert section_key("ÖN KOŞULLAR") == section_key("On kosullar") == "preconditions"


HEADINGS = [
    # Russian
    ("ru", "Основной успешный сценарий", "main_flow"),
    ("ru", "Основной поток событий:", "main_flow"),
    ("ru", "Альтернативный поток 2: оплата позже", "extensions"),
    ("ru", "Предусловия", "preconditions"),
    ("ru", "Постусловия при неудаче", "minimal_guarantee"),
    ("ru", "Основное действующее лицо", "primary_actor"),
    ("ru", "Актёры", "actors"),
    # Ukrainian
    ("uk", "Основний сценарій", "main_flow"),
    ("uk", "Альтернативні потоки", "extensions"),
    ("uk", "Передумови", "preconditions"),
    ("uk", "Постумови", "success_guarantee"),
    ("uk", "Основна дійова особа", "primary_actor"),
    ("uk", "Винятки", "extensions"),
    # Turkish
    ("tr", "Ana Akış", "main_flow"),
    ("tr", "ANA BAŞARI SENARYOSU", "main_flow"),
    ("tr", "Alternatif Akışlar", "extensions"),
    ("tr", "İstisna Akışları", "extensions"),
    ("tr", "Son Koşullar", "success_guarantee"),
    ("tr", "Birincil Aktör", "primary_actor"),
    # Indonesian
    ("id", "Skenario Utama", "main_flow"),
    ("id", "Alur Dasar", "main_flow"),
    ("id", "Alur Alternatif 1", "extensions"),
    ("id", "Kondisi Awal", "preconditions"),
    ("id", "Kondisi Akhir", "success_guarantee"),
    ("id", "Aktor Utama", "primary_actor"),
    ("id", "Pemicu", "trigger"),
    # Chinese
    ("zh", "用例名称", "title"),
    ("zh", "主要参与者：", "primary_actor"),
    ("zh", "前置条件", "preconditions"),
    ("zh", "## 3.1 基本事件流", "main_flow"),
    ("zh", "备选事件流", "extensions"),
    ("zh", "异常事件流 2", "extensions"),
    ("zh", "后置条件（失败）", "minimal_guarantee"),
    ("zh", "触发条件", "trigger"),
    # Romanian
    ("ro", "Scenariul principal de succes", "main_flow"),
    ("ro", "Flux de bază", "main_flow"),
    ("ro", "Fluxuri alternative", "extensions"),
    ("ro", "Precondiţii", "preconditions"),  # ţ with a cedilla, as old keyboards type it
    ("ro", "Postcondiții", "success_guarantee"),
    ("ro", "Actor principal", "primary_actor"),
    # Hungarian
    ("hu", "Fő forgatókönyv", "main_flow"),
    ("hu", "Alapforgatókönyv", "main_flow"),
    ("hu", "Alternatív forgatókönyvek", "extensions"),
    ("hu", "Előfeltételek", "preconditions"),
    ("hu", "Utófeltételek", "success_guarantee"),
    ("hu", "Elsődleges szereplő", "primary_actor"),
    # Finnish
    ("fi", "Päätapahtumankulku", "main_flow"),
    ("fi", "Paatapahtumankulku", "main_flow"),
    ("fi", "Vaihtoehtoiset tapahtumankulut", "extensions"),
    ("fi", "Esiehdot", "preconditions"),
    ("fi", "Jälkiehdot", "success_guarantee"),
    ("fi", "Pääaktori", "primary_actor"),
    # Greek
    ("el", "Κύριο σενάριο επιτυχίας", "main_flow"),
    ("el", "ΒΑΣΙΚΗ ΡΟΗ", "main_flow"),
    ("el", "Εναλλακτικές ροές", "extensions"),
    ("el", "Προϋποθέσεις", "preconditions"),
    ("el", "Μετασυνθήκες", "success_guarantee"),
    ("el", "Κύριος χειριστής", "primary_actor"),
    # Japanese
    ("ja", "ユースケース名", "title"),
    ("ja", "主アクター", "primary_actor"),
    ("ja", "事前条件", "preconditions"),
    ("ja", "基本フロー", "main_flow"),
    ("ja", "代替フロー1：カード無効", "extensions"),
    ("ja", "例外フロー", "extensions"),
]


PROSE = [
        "Пользователь вводит логин и пароль",
        "Система в режиме обслуживания",
        "Користувач заповнює форму і система зберігає дані",
        "Kullanıcı sisteme giriş yapar",
        "Pengguna memasukkan nama pengguna dan kata sandi",
        "顾客输入用户名和密码",
        "系统显示错误信息，用例结束",
        "Utilizatorul introduce parola",
        "A felhasználó megadja a jelszavát",
        "Käyttäjä syöttää salasanan",
        "Ο χρήστης εισάγει τον κωδικό",
        "ユーザーがログインする",
        "Актёр: Клиент",
        "参与者：顾客",
]

CONDITIONS = [
        ("Пароль неверный", Kind.EXCEPTION),
        ("Покупатель выбирает оплату наличными", Kind.ALTERNATIVE),
        ("Покупатель не выбирает способ оплаты", Kind.EXCEPTION),
        ("Kartu kedaluwarsa", Kind.EXCEPTION),
        ("Pelanggan memilih membayar dengan transfer", Kind.ALTERNATIVE),
        ("Kart geçersizse", Kind.EXCEPTION),
        ("用户名或密码错误", Kind.EXCEPTION),
        ("API调用失败", Kind.EXCEPTION),  # a Latin name opens the run of characters
        ("顾客选择使用优惠券", Kind.ALTERNATIVE),
        ("顾客未选择支付方式", Kind.EXCEPTION),
        ("Ο κωδικος ειναι λαθος", Kind.EXCEPTION),  # written without accents
        ("Kortti on vanhentunut", Kind.EXCEPTION),
        ("Parola lipseşte", Kind.EXCEPTION),  # ş with a cedilla, the phrase with a comma
        ("カード番号が無効", Kind.EXCEPTION),
]


RUSSIAN = """\
# Прецедент: Оформление заказа

**Основное действующее лицо:** Покупатель

## Предусловия
Покупатель вошёл в систему.

## Основной успешный сценарий
1. Покупатель открывает корзину.
2. Система показывает товары и итоговую сумму.
3. Покупатель вводит адрес доставки.
4. Покупатель подтверждает заказ.
5. Система списывает оплату.

## Расширения
3a. Адрес доставки неверный:
  1. Система показывает сообщение об ошибке.
  2. Возврат к шагу 3.

## Постусловия
Заказ сохранён.
"""

INDONESIAN = """\
## Nama Use Case
Meminjam Buku

## Aktor Utama
Anggota

## Kondisi Awal
Anggota sudah login ke sistem.

## Skenario Utama
| Aksi Aktor | Reaksi Sistem |
|---|---|
| 1. Anggota mencari buku berdasarkan judul. | 2. Sistem menampilkan daftar buku. |
| 3. Anggota memilih buku dan menekan tombol Pinjam. | 4. Sistem mencatat peminjaman. |

## Alur Alternatif
3a. Buku tidak tersedia:
  1. Sistem menampilkan pesan kesalahan.
  2. Kembali ke langkah 1.

## Kondisi Akhir
Data peminjaman tersimpan.
"""

CHINESE = """\
## 用例名称
在线支付订单

## 主要参与者
顾客

## 前置条件
顾客已登录系统，购物车中有商品。

## 基本事件流
1. 顾客打开购物车并点击“结算”。
2. 系统显示订单金额和支付方式。
3. 顾客选择支付方式并确认支付。
4. 系统通过支付网关完成扣款。
5. 系统生成订单并通知顾客。

## 异常事件流
4a. 账户余额不足
  1. 系统提示支付失败。
  2. 用例结束。

## 后置条件
订单已保存，库存已更新。
"""

TURKISH = """\
# Kullanım Durumu: Sisteme Giriş

**Birincil Aktör:** Öğrenci

**Ön Koşullar:** Öğrencinin kayıtlı bir hesabı vardır.

## Ana Akış
1. Öğrenci giriş sayfasını açar.
2. Öğrenci kullanıcı adını ve şifresini girer.
3. Sistem bilgileri doğrular.
4. Sistem ana sayfayı gösterir.

## Alternatif Akışlar
3a. Şifre geçersizse:
  1. Sistem hata mesajı gösterir.
  2. Öğrenci şifresini tekrar girer.

## Son Koşullar
Öğrenci sisteme giriş yapmıştır.
"""


@pytest.mark.parametrize(
    ("text", "actor", "steps", "ref"),
    [
        (RUSSIAN, "Покупатель", 5, "3a"),
        (INDONESIAN, "Anggota", 4, "3a"),
        (CHINESE, "顾客", 5, "4a"),
        (TURKISH, "Öğrenci", 4, "3a"),
    ],
    ids=("ru", "id", "zh", "tr"),
)
def test_a_whole_use_case_reads_in_its_language(text, actor, steps, ref):
    use_case = parse(text).use_case
    assert use_case.primary_actor == actor
    assert len(use_case.main_flow) == steps
    assert use_case.preconditions and use_case.postconditions
    assert [(e.ref, e.kind) for e in use_case.extensions] == [(ref, Kind.EXCEPTION)]
