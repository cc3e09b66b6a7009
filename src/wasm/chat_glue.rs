//! Bindings to `js/chat.js`: params preparation, async-iterator plumbing, streamed bodies.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/chat.js")]
extern "C" {
    /// `{json, signal, onToolCall, onToolProgress}` of chat params (media images inlined).
    #[wasm_bindgen(js_name = prepareChatParams)]
    pub(crate) fn prepare_chat_params(params: &JsValue) -> Promise;

    /// Makes the object's class async-iterable (`Symbol.asyncIterator`, `return()`).
    #[wasm_bindgen(js_name = makeAsyncIterable)]
    pub(crate) fn make_async_iterable(obj: &JsValue) -> JsValue;

    /// `{value, done}`.
    #[wasm_bindgen(js_name = iterResult)]
    pub(crate) fn iter_result(value: &JsValue, done: bool) -> JsValue;

    /// The reader of a response body, or null.
    #[wasm_bindgen(js_name = bodyReader)]
    pub(crate) fn body_reader(response: &JsValue) -> JsValue;

    /// The next chunk (a `Uint8Array`) of a body reader, or null at the end.
    #[wasm_bindgen(js_name = readChunk)]
    pub(crate) fn read_chunk(reader: &JsValue) -> Promise;

    /// Cancels a body reader.
    #[wasm_bindgen(js_name = cancelReader)]
    pub(crate) fn cancel_reader(reader: &JsValue);
}
