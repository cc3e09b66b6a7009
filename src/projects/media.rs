//! Reference-media helpers: content-type sniffing, the image and media upload/download
//! URL queries of the api host, the [`UploadSlot`]s of video/audio projects, and the GPT
//! Image mask `data:` URI.
//!
//! Queries are `(key, value)` pairs in the order the official SDK appends them; unset
//! optional values are omitted (5.54 behaviour; 5.17 sent the literal `undefined`). Encode
//! them with [`query_string`].

use super::js;
use super::params::ImageProjectParams;
use super::rules::is_gpt_image_model;
use crate::{Error, Result};

/// Upload endpoint of image-type slots (api host).
pub const IMAGE_UPLOAD_URL_PATH: &str = "/v1/image/uploadUrl";
/// Download endpoint of image results and previews (api host).
pub const IMAGE_DOWNLOAD_URL_PATH: &str = "/v1/image/downloadUrl";
/// Download endpoint of video/audio/3D results (api host).
pub const MEDIA_DOWNLOAD_URL_PATH: &str = "/v1/media/downloadUrl";

/// Upload slot of the starting image.
pub const SLOT_STARTING_IMAGE: &str = "startingImage";
/// Upload slot of the ControlNet image.
pub const SLOT_CONTROLNET_IMAGE: &str = "cnImage";
/// Upload slot of the GPT Image mask.
pub const SLOT_REFERENCE_MASK: &str = "referenceMask";

/// Upload slot of `contextImages[index]` (`contextImage1`..`contextImage16`).
pub fn context_image_slot(index: usize) -> String {
    format!("contextImage{}", index + 1)
}

/// The MIME type the official SDK detects from a `Buffer`'s first bytes, or `None`.
///
/// JPEG/PNG/WebP/GIF/MP4-family/WAV need at least 12 bytes; MP3 (`ID3` or an MPEG frame
/// sync) is recognised from 3 or 2 bytes. A `Blob`/`File` with a non-empty `.type` uses that
/// type instead (the wasm layer checks it first).
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 {
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            return Some("image/jpeg");
        }
        if bytes.starts_with(&[0x89, 0x50, 0x4e, 0x47]) {
            return Some("image/png");
        }
        if &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            return Some("image/webp");
        }
        if &bytes[0..3] == b"GIF" {
            return Some("image/gif");
        }
        if &bytes[4..8] == b"ftyp" {
            let brand = String::from_utf8_lossy(&bytes[8..12]).to_ascii_lowercase();
            if brand.contains("m4a") || brand.contains("m4b") {
                return Some("audio/mp4");
            }
            if brand.contains("qt") {
                return Some("video/quicktime");
            }
            return Some("video/mp4");
        }
        if &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
            return Some("audio/wav");
        }
    }
    if bytes.len() >= 3 && &bytes[0..3] == b"ID3" {
        return Some("audio/mpeg");
    }
    if bytes.len() >= 2 && bytes[0] == 0xff && (bytes[1] & 0xe0) == 0xe0 {
        return Some("audio/mpeg");
    }
    None
}

/// The content type of an input: the Blob's own non-empty `type` if it has one, else the
/// sniffed type of its bytes.
pub fn content_type(blob_type: Option<&str>, bytes: &[u8]) -> Option<String> {
    match blob_type.filter(|t| !t.is_empty()) {
        Some(t) => Some(t.to_string()),
        None => sniff_content_type(bytes).map(str::to_string),
    }
}

/// The kind of media a reference param takes: `"image"`, `"audio"` or `"video"` (`None`
/// for a param that is not a reference). `cnImage` names `controlNet.image`.
pub fn reference_kind(param: &str) -> Option<&'static str> {
    match param {
        "startingImage" | "cnImage" | "gptImageMask" | "leftViewImage" | "backViewImage"
        | "rightViewImage" | "referenceImage" | "referenceImageEnd" | "referenceMask"
        | "contextImages" | "referenceImages" => Some("image"),
        "referenceAudio" | "referenceAudioIdentity" | "referenceAudios" => Some("audio"),
        "referenceVideo" | "referenceVideos" => Some("video"),
        _ => None,
    }
}

/// Checks a local reference before anything is uploaded: it must not be empty, and when its
/// type is known (the Blob's `type`, else sniffed from its bytes) and is an image, audio or
/// video type, it must be the kind its param takes (an MP4 given as `referenceImage` is
/// refused). An unknown or non-media type passes, as the official SDK uploads it as is; the
/// server decides. `size` is the byte length.
pub fn check_reference(param: &str, content_type: Option<&str>, size: f64) -> Result<()> {
    if size <= 0.0 {
        return Err(Error::invalid(
            "INVALID_MEDIA",
            format!("{param} is empty (0 bytes)"),
        ));
    }
    let (Some(want), Some(ct)) = (reference_kind(param), content_type) else {
        return Ok(());
    };
    let ct = ct.trim().to_ascii_lowercase();
    let top = ct.split('/').next().unwrap_or("");
    if matches!(top, "image" | "audio" | "video") && top != want {
        let article = if want == "video" { "a" } else { "an" };
        return Err(Error::invalid(
            "INVALID_MEDIA",
            format!("{param} must be {article} {want} file, got {ct}"),
        ));
    }
    Ok(())
}

/// `GET /v1/image/uploadUrl` query: `imageId, jobId, type[, contentType]`.
pub fn image_upload_query(
    image_id: &str,
    project_id: &str,
    slot: &str,
    content_type: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("imageId", image_id.to_string()),
        ("jobId", project_id.to_string()),
        ("type", slot.to_string()),
    ];
    if let Some(ct) = content_type {
        q.push(("contentType", ct.to_string()));
    }
    q
}

/// Image result MIME type from the project's `outputFormat`; `None` lets the API default
/// to PNG.
pub fn image_content_type_for_format(output_format: Option<&str>) -> Option<&'static str> {
    match output_format? {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// Audio result MIME type from the project's `outputFormat` (default `audio/mpeg`).
pub fn audio_content_type_for_format(output_format: Option<&str>) -> &'static str {
    match output_format {
        Some("flac") => "audio/flac",
        Some("wav") => "audio/wav",
        _ => "audio/mpeg",
    }
}

/// `GET /v1/image/downloadUrl` query of an image result:
/// `jobId=<project>, imageId=<job>, type=complete[, contentType]`.
pub fn image_result_query(
    project_id: &str,
    job_id: &str,
    output_format: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("jobId", project_id.to_string()),
        ("imageId", job_id.to_string()),
        ("type", "complete".to_string()),
    ];
    if let Some(ct) = image_content_type_for_format(output_format) {
        q.push(("contentType", ct.to_string()));
    }
    q
}

/// `GET /v1/image/downloadUrl` query of a preview (every model type):
/// `jobId=<project>, imageId=<job>, type=preview`.
pub fn preview_query(project_id: &str, job_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("jobId", project_id.to_string()),
        ("imageId", job_id.to_string()),
        ("type", "preview".to_string()),
    ]
}

/// `GET /v1/media/downloadUrl` query of a video, audio or 3D result:
/// `jobId=<project>, id=<job>, type=complete[, contentType]` (audio: from the format;
/// 3D artifacts: `model/gltf-binary`; video: none).
pub fn media_result_query(
    project_id: &str,
    job_id: &str,
    content_type: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("jobId", project_id.to_string()),
        ("id", job_id.to_string()),
        ("type", "complete".to_string()),
    ];
    if let Some(ct) = content_type {
        q.push(("contentType", ct.to_string()));
    }
    q
}

/// Upload endpoint of audio/video slots (api host).
pub const MEDIA_UPLOAD_URL_PATH: &str = "/v1/media/uploadUrl";

/// `GET /v1/media/uploadUrl` query: `jobId, type[, id][, contentType]` (the official
/// `mediaUploadUrl`; unset values are omitted, as 5.54's REST client does).
pub fn media_upload_query(
    project_id: &str,
    slot: &str,
    id: Option<&str>,
    content_type: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("jobId", project_id.to_string()),
        ("type", slot.to_string()),
    ];
    if let Some(id) = id {
        q.push(("id", id.to_string()));
    }
    if let Some(ct) = content_type {
        q.push(("contentType", ct.to_string()));
    }
    q
}

/// `GET /v1/media/downloadUrl` query of a video result: `jobId, id, type=complete` (no
/// `contentType`).
pub fn video_result_query(project_id: &str, job_id: &str) -> Vec<(&'static str, String)> {
    media_result_query(project_id, job_id, None)
}

/// `GET /v1/media/downloadUrl` query of a video's exported last frame (Seedance 2.5
/// `returnLastFrame`, `Job.getLastFrameUrl()`): `jobId, id, type=complete,
/// artifact=lastFrame`.
pub fn last_frame_query(project_id: &str, job_id: &str) -> Vec<(&'static str, String)> {
    let mut q = media_result_query(project_id, job_id, None);
    q.push(("artifact", "lastFrame".to_string()));
    q
}

/// `GET /v1/media/downloadUrl` query of an audio result: `jobId, id, type=complete,
/// contentType` with the MIME type of the project's `outputFormat` (default `audio/mpeg`).
pub fn audio_result_query(
    project_id: &str,
    job_id: &str,
    output_format: Option<&str>,
) -> Vec<(&'static str, String)> {
    media_result_query(
        project_id,
        job_id,
        Some(audio_content_type_for_format(output_format)),
    )
}

/// One reference upload `projects.create()` makes for a video or audio project, in the
/// official order (see `video::video_upload_slots`, `audio::audio_upload_slots`).
///
/// The wasm layer uploads only the media given as bytes (a value of `true` means "already
/// uploaded": no upload, but the flag stays set), then passes the detected MIME types to
/// the request builder keyed by [`UploadSlot::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSlot {
    /// The project param holding the media (`referenceImage`, `contextImages`, …).
    pub param: &'static str,
    /// The element of an array param (`contextImages`, `referenceVideos`,
    /// `referenceAudios`), `None` for a single-media param.
    pub index: Option<usize>,
    /// [`IMAGE_UPLOAD_URL_PATH`] or [`MEDIA_UPLOAD_URL_PATH`].
    pub endpoint: &'static str,
    /// The `type` query value (`referenceImage`, `contextImage2`, `referenceAudio`, …).
    pub slot_type: String,
    /// The `id` query value (MiniMax H3 r2v numbered slots: `referenceVideo2`, …).
    pub id: Option<String>,
    /// Key of this upload's content type for the request builder: the keyframe field
    /// prefix (`referenceImage` → `referenceImageContentType`, `referenceAudio2`, …).
    pub key: String,
}

impl UploadSlot {
    /// The upload-URL query for this slot. `image_id` (a new upper-case UUID) is used by
    /// the image endpoint only; `content_type` is omitted when unknown.
    pub fn query(
        &self,
        project_id: &str,
        image_id: &str,
        content_type: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        if self.endpoint == IMAGE_UPLOAD_URL_PATH {
            image_upload_query(image_id, project_id, &self.slot_type, content_type)
        } else {
            media_upload_query(
                project_id,
                &self.slot_type,
                self.id.as_deref(),
                content_type,
            )
        }
    }

    /// `path?query` of the upload-URL request.
    pub fn path(&self, project_id: &str, image_id: &str, content_type: Option<&str>) -> String {
        path_with_query(
            self.endpoint,
            &self.query(project_id, image_id, content_type),
        )
    }
}

/// Encodes query pairs as `URLSearchParams` does.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    js::form_urlencode(pairs)
}

/// `path?query` (just `path` when there are no pairs).
pub fn path_with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query_string(pairs))
    }
}

/// Largest base64 payload the SDK accepts for a mask (50 MB of bytes).
const MAX_MASK_BASE64_LEN: usize = (50usize * 1024 * 1024 * 4).div_ceil(3);

/// A GPT Image model's `gptImageMaskUrl` given as a `data:` URI is uploaded as the
/// `referenceMask` asset instead, as `projects.create()` does: returns the PNG bytes to
/// upload. Only `data:image/png;base64,…` under 50 MB is accepted.
pub fn decode_gpt_image_mask_data_uri(url: &str) -> Result<Vec<u8>> {
    let invalid = || {
        Error::invalid(
            "INVALID_GPT_IMAGE_OPTIONS",
            "GPT Image mask must be a PNG data URI smaller than 50 MB",
        )
    };
    let payload = url
        .strip_prefix("data:image/png;base64,")
        .filter(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        })
        .ok_or_else(invalid)?;
    if payload.len() >= MAX_MASK_BASE64_LEN {
        return Err(invalid());
    }
    // `atob` is forgiving about padding and trailing bits.
    crate::protocol::base64::decode_lenient(payload.as_bytes()).ok_or_else(invalid)
}

/// The `projects.create()` step for a GPT Image mask given as a `data:` URI: moves it out of
/// `gptImageMaskUrl` into a `referenceMask` upload (sets `has_gpt_image_mask`) and returns the
/// bytes to upload; `None` when there is nothing to move.
pub fn take_gpt_image_mask_data_uri(params: &mut ImageProjectParams) -> Result<Option<Vec<u8>>> {
    let Some(url) = params.gpt_image_mask_url.as_deref() else {
        return Ok(None);
    };
    if !is_gpt_image_model(&params.model_id) || !url.starts_with("data:") {
        return Ok(None);
    }
    if params.has_gpt_image_mask {
        return Err(Error::invalid(
            "INVALID_GPT_IMAGE_OPTIONS",
            "Provide one GPT Image mask, not both media and URL",
        ));
    }
    let bytes = decode_gpt_image_mask_data_uri(url)?;
    params.has_gpt_image_mask = true;
    params.gpt_image_mask_url = None;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked_for_kind_and_emptiness() {
        let code = |r: Result<()>| r.unwrap_err().code();
        // The right kind, an unknown type, or a non-media type pass.
        check_reference("referenceImage", Some("image/png"), 10.0).unwrap();
        check_reference("referenceAudio", Some("audio/mp4"), 10.0).unwrap();
        check_reference("referenceVideos", Some("video/quicktime"), 10.0).unwrap();
        check_reference("cnImage", None, 10.0).unwrap();
        check_reference("startingImage", Some("application/octet-stream"), 1.0).unwrap();
        // The wrong kind is refused with the param's name and the type found.
        let e = check_reference("referenceImage", Some("video/mp4"), 10.0).unwrap_err();
        assert_eq!(e.code(), "INVALID_MEDIA");
        assert_eq!(
            e.to_string(),
            "referenceImage must be an image file, got video/mp4"
        );
        assert_eq!(
            check_reference("referenceVideo", Some("Audio/MPEG"), 10.0)
                .unwrap_err()
                .to_string(),
            "referenceVideo must be a video file, got audio/mpeg"
        );
        assert_eq!(
            code(check_reference("contextImages", Some("audio/wav"), 3.0)),
            "INVALID_MEDIA"
        );
        // Empty references never upload.
        assert_eq!(
            check_reference("referenceAudio", Some("audio/mpeg"), 0.0)
                .unwrap_err()
                .to_string(),
            "referenceAudio is empty (0 bytes)"
        );
    }

    fn padded(prefix: &[u8]) -> Vec<u8> {
        let mut v = prefix.to_vec();
        v.resize(12, 0);
        v
    }

    #[test]
    fn sniffing_follows_the_sdk_table() {
        assert_eq!(
            sniff_content_type(&padded(&[0xff, 0xd8, 0xff, 0xe0])),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_content_type(&padded(b"\x89PNG\r\n\x1a\n")),
            Some("image/png")
        );
        assert_eq!(
            sniff_content_type(b"RIFF\0\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(
            sniff_content_type(b"RIFF\0\0\0\0WAVEfmt "),
            Some("audio/wav")
        );
        assert_eq!(sniff_content_type(&padded(b"GIF89a")), Some("image/gif"));
        assert_eq!(sniff_content_type(b"\0\0\0\x20ftypM4A "), Some("audio/mp4"));
        assert_eq!(
            sniff_content_type(b"\0\0\0\x20ftypqt  "),
            Some("video/quicktime")
        );
        assert_eq!(sniff_content_type(b"\0\0\0\x20ftypisom"), Some("video/mp4"));
        assert_eq!(sniff_content_type(b"ID3"), Some("audio/mpeg"));
        assert_eq!(sniff_content_type(&[0xff, 0xfb]), Some("audio/mpeg"));
        // Short JPEG prefix: only the MPEG frame-sync rule can match, as in the SDK.
        assert_eq!(sniff_content_type(&[0xff, 0xd8, 0xff]), None);
        assert_eq!(sniff_content_type(&padded(b"hello")), None);
        assert_eq!(sniff_content_type(&[]), None);
        assert_eq!(
            content_type(Some("image/heic"), b"x").as_deref(),
            Some("image/heic")
        );
        assert_eq!(
            content_type(Some(""), &padded(b"GIF8")).as_deref(),
            Some("image/gif")
        );
    }

    #[test]
    fn upload_query_omits_unknown_content_type() {
        let q = image_upload_query("IMG", "PRJ", &context_image_slot(0), None);
        assert_eq!(
            path_with_query(IMAGE_UPLOAD_URL_PATH, &q),
            "/v1/image/uploadUrl?imageId=IMG&jobId=PRJ&type=contextImage1"
        );
        let q = image_upload_query("IMG", "PRJ", SLOT_STARTING_IMAGE, Some("image/png"));
        assert_eq!(
            query_string(&q),
            "imageId=IMG&jobId=PRJ&type=startingImage&contentType=image%2Fpng"
        );
    }

    #[test]
    fn download_queries() {
        assert_eq!(
            query_string(&image_result_query("P", "J", Some("jpg"))),
            "jobId=P&imageId=J&type=complete&contentType=image%2Fjpeg"
        );
        assert_eq!(
            query_string(&image_result_query("P", "J", None)),
            "jobId=P&imageId=J&type=complete"
        );
        assert_eq!(
            query_string(&image_result_query("P", "J", Some("tiff"))),
            "jobId=P&imageId=J&type=complete"
        );
        assert_eq!(
            path_with_query(IMAGE_DOWNLOAD_URL_PATH, &preview_query("P", "J")),
            "/v1/image/downloadUrl?jobId=P&imageId=J&type=preview"
        );
        assert_eq!(
            query_string(&media_result_query(
                "P",
                "J",
                Some(audio_content_type_for_format(Some("wav")))
            )),
            "jobId=P&id=J&type=complete&contentType=audio%2Fwav"
        );
        assert_eq!(audio_content_type_for_format(None), "audio/mpeg");
    }

    #[test]
    fn media_queries() {
        assert_eq!(
            path_with_query(
                MEDIA_UPLOAD_URL_PATH,
                &media_upload_query("P", "referenceAudio", None, Some("audio/mpeg"))
            ),
            "/v1/media/uploadUrl?jobId=P&type=referenceAudio&contentType=audio%2Fmpeg"
        );
        assert_eq!(
            query_string(&media_upload_query(
                "P",
                "referenceVideo",
                Some("referenceVideo2"),
                None
            )),
            "jobId=P&type=referenceVideo&id=referenceVideo2"
        );
        assert_eq!(
            path_with_query(MEDIA_DOWNLOAD_URL_PATH, &video_result_query("P", "J")),
            "/v1/media/downloadUrl?jobId=P&id=J&type=complete"
        );
        assert_eq!(
            query_string(&last_frame_query("P", "J")),
            "jobId=P&id=J&type=complete&artifact=lastFrame"
        );
        assert_eq!(
            query_string(&audio_result_query("P", "J", Some("flac"))),
            "jobId=P&id=J&type=complete&contentType=audio%2Fflac"
        );
        assert_eq!(
            query_string(&audio_result_query("P", "J", None)),
            "jobId=P&id=J&type=complete&contentType=audio%2Fmpeg"
        );
        let slot = UploadSlot {
            param: "referenceImage",
            index: None,
            endpoint: IMAGE_UPLOAD_URL_PATH,
            slot_type: "referenceImage".into(),
            id: None,
            key: "referenceImage".into(),
        };
        assert_eq!(
            slot.path("P", "I", Some("image/png")),
            "/v1/image/uploadUrl?imageId=I&jobId=P&type=referenceImage&contentType=image%2Fpng"
        );
    }

    #[test]
    fn gpt_mask_data_uri() {
        assert_eq!(
            decode_gpt_image_mask_data_uri("data:image/png;base64,iVBORw==").unwrap(),
            vec![0x89, 0x50, 0x4e, 0x47]
        );
        assert_eq!(
            decode_gpt_image_mask_data_uri("data:image/png;base64,iVBORw").unwrap(),
            vec![0x89, 0x50, 0x4e, 0x47]
        );
        let mut p = ImageProjectParams {
            model_id: "gpt-image-2".into(),
            gpt_image_mask_url: Some("data:image/png;base64,iVBORw==".into()),
            ..Default::default()
        };
        assert_eq!(
            take_gpt_image_mask_data_uri(&mut p).unwrap().unwrap().len(),
            4
        );
        assert!(p.has_gpt_image_mask && p.gpt_image_mask_url.is_none());
        p.gpt_image_mask_url = Some("data:image/png;base64,iVBORw==".into());
        assert!(take_gpt_image_mask_data_uri(&mut p).is_err());
        p.model_id = "flux1-schnell-fp8".into();
        assert_eq!(take_gpt_image_mask_data_uri(&mut p).unwrap(), None);
        for bad in [
            "data:image/jpeg;base64,iVBORw==",
            "data:image/png;base64,",
            "data:image/png;base64,iVB ORw==",
            "https://x/y.png",
        ] {
            assert_eq!(
                decode_gpt_image_mask_data_uri(bad).unwrap_err().code(),
                "INVALID_GPT_IMAGE_OPTIONS"
            );
        }
    }
}
