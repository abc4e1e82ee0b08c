import numpy as np

from id2face.face.fuse import Candidate, fuse, same_face


def box(x0, y0, x1, y1):
    return np.array([x0, y0, x1, y1], np.float64)


def test_two_detectors_on_one_face_give_one_face_with_a_higher_score():
    kps = np.array([[30, 40], [70, 40], [50, 60], [35, 80], [65, 80]], np.float64)
    out = fuse(
        [
            Candidate(box(10, 10, 90, 100), 0.8, None, "mediapipe"),
            Candidate(box(5, 0, 95, 105), 0.6, kps, "centerface"),
        ]
    )
    assert len(out) == 1
    assert out[0].score > 0.9 and out[0].detector == "mediapipe+centerface"
    np.testing.assert_array_equal(out[0].keypoints5, kps)  # real landmarks preferred


def test_a_box_of_the_lower_half_nested_in_a_face_is_the_same_face():
    whole, lower = box(100, 100, 200, 220), box(110, 170, 190, 225)
    assert same_face(whole, lower, iou=0.4, nested=0.75)
    out = fuse([Candidate(whole, 0.9, None, "centerface"), Candidate(lower, 0.7, None, "mediapipe")])
    assert len(out) == 1 and out[0].box.tolist() == whole.tolist()


def test_separate_faces_stay_separate_and_a_tiny_box_inside_a_big_one_is_its_own():
    out = fuse(
        [
            Candidate(box(0, 0, 50, 60), 0.9, None, "mediapipe"),
            Candidate(box(60, 0, 110, 60), 0.5, None, "centerface"),
        ]
    )
    assert len(out) == 2
    assert not same_face(box(0, 0, 400, 400), box(10, 10, 30, 30), iou=0.4, nested=0.75)


def test_the_group_box_is_mediapipes_only_where_it_agrees_with_the_best_box():
    cf = Candidate(box(251, 267, 312, 344), 0.8, None, "centerface")
    shifted = Candidate(box(224, 286, 338, 399), 0.6, None, "mediapipe-short")  # over chin and neck
    out = fuse([cf, shifted])
    assert len(out) == 1 and out[0].box.tolist() == cf.box.tolist()
    agreeing = Candidate(box(255, 280, 310, 345), 0.7, None, "mediapipe")
    out = fuse([cf, agreeing])
    assert len(out) == 1 and out[0].box.tolist() == agreeing.box.tolist()


def test_two_shifted_boxes_on_a_face_cut_by_the_frame_are_one_face():
    a, b = box(-4, 287, 35, 380), box(15, 275, 53, 369)  # IoU 0.3, each centre inside the other
    assert same_face(a, b, iou=0.4, nested=0.75)
    assert len(fuse([Candidate(a, 0.9, None, "centerface"), Candidate(b, 0.8, None, "mediapipe")])) == 1
