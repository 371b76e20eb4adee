import numpy as np
import pyarrow as pa

from fupin.data.idcard import check_digit, is_valid, make_ids, mask_id, mask_name, upgrade_legacy, valid_mask


def test_known_numbers() -> None:
    assert is_valid("11010519491231002X")  # the GB 11643 example
    assert check_digit("11010519491231002") == "X"
    assert not is_valid("110105194912310021")
    assert not is_valid("11010519491231002")


def test_vectorised_ids_are_valid_and_carry_region_and_sex() -> None:
    ids = make_ids(np.array(["341221", "340102"]), np.array(["19800101", "20010704"]), np.array([7, 12]))
    assert all(is_valid(i) for i in ids)
    assert ids[0].startswith("34122119800101") and int(ids[0][16]) % 2 == 1  # odd: male
    assert ids[1].startswith("34010220010704") and int(ids[1][16]) % 2 == 0


def test_masking() -> None:
    assert mask_id("341221198001010074") == "3412**********0074"
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_legacy_numbers_become_18_digits_and_the_rest_stay() -> None:
    legacy = "110105491231002"  # 15 digits: region 110105, 49-12-31, sequence 002
    values = pa.array([legacy, " 11010519491231002x ", None, "11010549123100A", f" {legacy} ", ""])
    got = upgrade_legacy(values).to_pylist()
    full = "11010519491231002" + check_digit("11010519491231002")
    assert got == [full, "11010519491231002X", None, "11010549123100A", full, ""]
    assert valid_mask(upgrade_legacy(values)).tolist() == [True, True, False, False, True, False]
