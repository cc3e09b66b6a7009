//! The reference assets a video workflow needs, checked when its `jobRequest` arrives (the
//! client uploads before it sends the request): a missing asset, or one the request flags
//! (`hasReferenceAudio: true`, …) that was never uploaded for the project, refuses the
//! project with a project-level `jobError` (`error: "invalidRequest"`), as the Supernet
//! refuses a request it cannot render. A video ControlNet is refused on any model but a
//! `_v2v` one.

use serde_json::Value;

/// The workflow a video model id names (`t2v`, `i2v`, `s2v`, `animate-move`,
/// `animate-replace`, `a2v`, `ia2v`, `v2v`), or `None` (e.g. Seedance, whose references are
/// all optional).
pub fn workflow(model_id: &str) -> Option<&'static str> {
    const WORKFLOWS: [&str; 8] = [
        "animate-replace",
        "animate-move",
        "ia2v",
        "a2v",
        "s2v",
        "i2v",
        "t2v",
        "v2v",
    ];
    let parts: Vec<&str> = model_id.split('_').collect();
    WORKFLOWS.into_iter().find(|w| parts.contains(w))
}

/// What a workflow requires: `[image, audio, video]` (the image may be the start or the
/// end frame).
fn requirements(workflow: &str) -> [bool; 3] {
    match workflow {
        "i2v" => [true, false, false],
        "s2v" | "ia2v" => [true, true, false],
        "animate-move" | "animate-replace" => [true, false, true],
        "a2v" => [false, true, false],
        "v2v" => [false, false, true],
        _ => [false; 3],
    }
}

/// Checks the video request `raw` (the `jobRequest` payload) for model `model_id`;
/// `uploaded(slot)` says whether the project has an upload in that slot. Returns the
/// message to refuse it with.
pub fn check(model_id: &str, raw: &Value, uploaded: impl Fn(&str) -> bool) -> Result<(), String> {
    let kf = raw
        .get("keyFrames")
        .and_then(|k| k.get(0))
        .unwrap_or(&Value::Null);
    let flag = |k: &str| kf.get(k) == Some(&Value::Bool(true));
    for (flag_name, slot) in [
        ("hasReferenceImage", "referenceImage"),
        ("hasReferenceImageEnd", "referenceImageEnd"),
        ("hasReferenceAudio", "referenceAudio"),
        ("hasReferenceVideo", "referenceVideo"),
    ] {
        if flag(flag_name) && !uploaded(slot) {
            return Err(format!(
                "{slot} is flagged ({flag_name}) but was never uploaded for this project"
            ));
        }
    }
    let control_net = kf
        .get("currentControlNetsJob")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str);
    if let Some(name) = control_net {
        if workflow(model_id) != Some("v2v") {
            return Err(format!(
                "ControlNet {name} needs a video-to-video (_v2v) model; {model_id} is not one"
            ));
        }
    }
    let Some(wf) = workflow(model_id) else {
        return Ok(());
    };
    let [image, audio, video] = requirements(wf);
    let has_image = flag("hasReferenceImage") || flag("hasReferenceImageEnd");
    let missing = [
        (image && !has_image, "a reference image"),
        (audio && !flag("hasReferenceAudio"), "a reference audio"),
        (video && !flag("hasReferenceVideo"), "a reference video"),
    ];
    match missing.iter().find(|(m, _)| *m) {
        Some((_, what)) => Err(format!("The {wf} workflow of {model_id} requires {what}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(flags: &[&str]) -> Value {
        let mut kf = serde_json::Map::new();
        for f in flags {
            kf.insert((*f).to_string(), json!(true));
        }
        json!({"keyFrames": [kf]})
    }

    #[test]
    fn workflows_come_from_the_model_id() {
        assert_eq!(workflow("wan_v2.2-14b-fp8_s2v_lightx2v"), Some("s2v"));
        assert_eq!(
            workflow("wan_v2.2-14b-fp8_animate-replace_lightx2v"),
            Some("animate-replace")
        );
        assert_eq!(workflow("ltx23-22b-fp8_ia2v_distilled"), Some("ia2v"));
        assert_eq!(workflow("ltx23-22b-fp8_a2v_dev"), Some("a2v"));
        assert_eq!(workflow("ltx23-22b-fp8_v2v_distilled"), Some("v2v"));
        assert_eq!(workflow("seedance-2-0"), None);
    }

    #[test]
    fn each_workflow_needs_its_assets() {
        let all = |_: &str| true;
        let cases: [(&str, &[&str], bool); 10] = [
            ("wan_v2.2-14b-fp8_t2v_lightx2v", &[], true),
            ("wan_v2.2-14b-fp8_i2v_lightx2v", &[], false),
            (
                "wan_v2.2-14b-fp8_i2v_lightx2v",
                &["hasReferenceImageEnd"],
                true,
            ),
            (
                "wan_v2.2-14b-fp8_s2v_lightx2v",
                &["hasReferenceImage"],
                false,
            ),
            (
                "wan_v2.2-14b-fp8_s2v_lightx2v",
                &["hasReferenceImage", "hasReferenceAudio"],
                true,
            ),
            (
                "wan_v2.2-14b-fp8_animate-move_lightx2v",
                &["hasReferenceImage"],
                false,
            ),
            (
                "wan_v2.2-14b-fp8_animate-move_lightx2v",
                &["hasReferenceImage", "hasReferenceVideo"],
                true,
            ),
            ("ltx23-22b-fp8_a2v_distilled", &["hasReferenceAudio"], true),
            ("ltx23-22b-fp8_v2v_distilled", &[], false),
            ("seedance-2-0", &[], true),
        ];
        for (model, flags, ok) in cases {
            assert_eq!(
                check(model, &request(flags), all).is_ok(),
                ok,
                "{model} {flags:?}"
            );
        }
        let err = check(
            "wan_v2.2-14b-fp8_s2v_lightx2v",
            &request(&["hasReferenceImage"]),
            all,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "The s2v workflow of wan_v2.2-14b-fp8_s2v_lightx2v requires a reference audio"
        );
    }

    #[test]
    fn a_video_controlnet_needs_a_v2v_model() {
        let mut req = request(&["hasReferenceImage"]);
        req["keyFrames"][0]["currentControlNetsJob"] = json!([{"name": "canny"}]);
        let err = check("ltx23-22b-fp8_i2v_distilled", &req, |_: &str| true).unwrap_err();
        assert_eq!(
            err,
            "ControlNet canny needs a video-to-video (_v2v) model; ltx23-22b-fp8_i2v_distilled is not one"
        );
        let mut req = request(&["hasReferenceVideo"]);
        req["keyFrames"][0]["currentControlNetsJob"] = json!([{"name": "canny"}]);
        assert!(check("ltx23-22b-fp8_v2v_distilled", &req, |_: &str| true).is_ok());
    }

    #[test]
    fn a_flagged_asset_must_have_been_uploaded() {
        let only_image = |slot: &str| slot == "referenceImage";
        let err = check(
            "wan_v2.2-14b-fp8_s2v_lightx2v",
            &request(&["hasReferenceImage", "hasReferenceAudio"]),
            only_image,
        )
        .unwrap_err();
        assert!(err.starts_with("referenceAudio is flagged"), "{err}");
    }
}
