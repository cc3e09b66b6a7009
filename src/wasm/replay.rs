//! `sogni.replay`: RunRecords (one per chat or harness turn), visible to their owner only.

use super::surface::{call, signal_of, SurfaceState};
use js_sys::Promise;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// `sogni.replay` (`/v1/replay/records`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ReplayApi {
    state: Rc<SurfaceState>,
}

impl ReplayApi {
    pub(crate) fn new(state: Rc<SurfaceState>) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl ReplayApi {
    /// Stores one RunRecord (`{run_id, schema_version?, session_id?, model_id?, rounds?,
    /// user_request?, final_response?}`); resolves with
    /// `{runId, schemaVersion, redacted, createTime, updateTime}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<ReplayWriteResult>")]
    pub fn write(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RunRecord")] record: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(&self.state, "replay.write", &[&record], signal_of(&options))
    }

    /// Summaries of your records: `{records}` (`limit` caps them).
    #[wasm_bindgen(unchecked_return_type = "Promise<ListReplayRecordsResult>")]
    pub fn list(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ limit?: number; signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(&self.state, "replay.list", &[&options], signal_of(&options))
    }

    /// One record in full: `{record, createTime}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<GetReplayRecordResult>")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = runId, unchecked_param_type = "string")] run_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(&self.state, "replay.get", &[&run_id], signal_of(&options))
    }
}
