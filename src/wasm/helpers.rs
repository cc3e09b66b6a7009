//! The official package's root helper functions: model-kind checks, MiniMax H3 frame
//! counts, Pixal3D orbit-view slots, `isRetryableChatError`. (Its constants live in
//! `js/constants.js`, re-exported by the package entries.)

use super::errors::to_js;
use super::glue;
use crate::projects::{params as p, video as v};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/constants.js")]
extern "C" {
    /// `RETRYABLE_CHAT_ERROR_TYPES` (binding it makes wasm-bindgen ship `js/constants.js`).
    #[wasm_bindgen(thread_local_v2, js_name = RETRYABLE_CHAT_ERROR_TYPES)]
    static RETRYABLE_TYPES: js_sys::Array;
}

/// Does this model make video (WAN, LTX-2, Seedance, HappyHorse, Wan 3, MiniMax H3,
/// FlashVSR)?
#[wasm_bindgen(js_name = isVideoModel)]
pub fn is_video_model(model_id: &str) -> bool {
    v::is_video_model(model_id)
}

/// Does this model make audio (ACE-Step, MiniMax Music)?
#[wasm_bindgen(js_name = isAudioModel)]
pub fn is_audio_model(model_id: &str) -> bool {
    crate::projects::audio::is_audio_model(model_id)
}

/// Is this the FlashVSR video upscaler?
#[wasm_bindgen(js_name = isVideoUpscaleModel)]
pub fn is_video_upscale_model(model_id: &str) -> bool {
    v::is_video_upscale_model(model_id)
}

/// Does this model return a downloadable 3D model (`pixal3d_…`)?
#[wasm_bindgen(js_name = isModelArtifactModel)]
pub fn is_model_artifact_model(model_id: &str) -> bool {
    model_id.starts_with("pixal3d_")
}

/// Is this one of the Pixal3D image-to-3D workflows?
#[wasm_bindgen(js_name = isPixal3dModel)]
pub fn is_pixal3d_model(model_id: &str) -> bool {
    p::is_pixal3d_model(model_id)
}

/// Is this the Pixal3D workflow that takes orbit views?
#[wasm_bindgen(js_name = isPixal3dMultiViewModel)]
pub fn is_pixal3d_multi_view_model(model_id: &str) -> bool {
    model_id == p::PIXAL3D_MULTIVIEW_MODEL_ID
}

/// Does this model segment images (SAM 3, BiRefNet) rather than generate them?
#[wasm_bindgen(js_name = isSegmentationModel)]
pub fn is_segmentation_model(model_id: &str) -> bool {
    p::is_segmentation_model(model_id)
}

/// Does this model need a starting image (segmentation and 3D models)?
#[wasm_bindgen(js_name = requiresStartingImage)]
pub fn requires_starting_image(model_id: &str) -> bool {
    p::is_segmentation_model(model_id) || model_id.starts_with("pixal3d_")
}

/// Is this a MiniMax H3 FastH3 audio-guide workflow (`ia2v`, `flfa2v`, `a2v`)?
#[wasm_bindgen(js_name = isMinimaxH3AudioGuideModel)]
pub fn is_minimax_h3_audio_guide_model(model_id: &str) -> bool {
    v::is_minimax_h3_audio_guide_model(model_id)
}

/// The MiniMax H3 frame count (24 fps on the 124 + 17n grid, at most 362) that covers
/// `seconds` of audio; throws for a duration that is not a positive number.
#[wasm_bindgen(js_name = getMinimaxH3FramesForAudioDuration)]
pub fn get_minimax_h3_frames_for_audio_duration(
    #[wasm_bindgen(js_name = audioDurationSeconds)] seconds: f64,
) -> Result<u32, JsValue> {
    v::minimax_h3_frames_for_audio_duration(seconds).map_err(|e| to_js(&e))
}

/// The orbit views set on a request (`leftViewImage`, `backViewImage`, `rightViewImage`),
/// each with its `contextImage<slot>` slot: `[{view, slot, media}]`.
#[wasm_bindgen(
    js_name = getPixal3dOrbitViewSlots,
    unchecked_return_type = "{ view: 'leftViewImage' | 'backViewImage' | 'rightViewImage'; slot: 1 | 2 | 3; media: unknown }[]"
)]
pub fn get_pixal3d_orbit_view_slots(params: JsValue) -> Array {
    let out = Array::new();
    for (slot, view) in ["leftViewImage", "backViewImage", "rightViewImage"]
        .iter()
        .enumerate()
    {
        let media = glue::get(&params, view);
        if media.is_truthy() {
            let o = Object::new();
            glue::set(&o, "view", &JsValue::from_str(view));
            glue::set(&o, "slot", &JsValue::from_f64((slot + 1) as f64));
            glue::set(&o, "media", &media);
            out.push(&o);
        }
    }
    out
}

/// `isRetryableChatError(error)`: a chat failure worth retrying (`errorType`
/// `server_restarting` or `transport_lost`).
#[wasm_bindgen(js_name = isRetryableChatError)]
pub fn is_retryable_chat_error(error: JsValue) -> bool {
    let kind = glue::get(&error, "errorType");
    kind.is_string() && RETRYABLE_TYPES.with(|types| types.includes(&kind, 0))
}
