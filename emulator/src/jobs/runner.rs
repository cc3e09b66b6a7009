//! Emulated workers: run a project's jobs and emit the lifecycle events.
//!
//! `jobState queued` → per job `initiatingModel` → `jobStarted` → `jobProgress`×steps
//! (+ `jobETA`, previews) → `jobResult`, and finally `jobState jobCompleted`.

use super::project::{now_ms, JobRecord, JobStatus, Project, ProjectStatus};
use super::request::{JobRequest, VideoRequest};
use crate::accounts::to_micros;
use crate::render::{render_image, ImageFormat, RenderSpec};
use crate::state::AppState;
use crate::storage::{result_key, upload_key};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Sends an event to the project's current connection; false when its appId has none.
fn emit(state: &AppState, project: &Project, kind: &str, data: Value) -> bool {
    state
        .registry
        .send(&project.owner.address, &project.app_id, kind, &data)
}

/// Sleeps for `d`, or returns false early when the project is cancelled.
async fn pause(project: &Project, d: Duration) -> bool {
    let mut rx = project.cancel.subscribe();
    if *rx.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => !cancelled(project),
        _ = rx.wait_for(|c| *c) => false,
    }
}

fn cancelled(project: &Project) -> bool {
    *project.cancel.borrow()
}

/// The steps at which a job with `steps` steps sends its `previews` previews.
pub fn preview_steps(steps: u32, previews: u32) -> Vec<u32> {
    let mut out: Vec<u32> = (1..=previews)
        .map(|k| ((u64::from(k) * u64::from(steps)) / (u64::from(previews) + 1)).max(1) as u32)
        .collect();
    out.dedup();
    out
}

/// The per-job price in millionths of the paying token.
pub fn job_price(state: &AppState, project: &Project) -> i64 {
    let r = &project.request;
    let cost = if let Some(v) = &r.video {
        state.catalog.video_cost(
            &r.model,
            r.width,
            r.height,
            v.frames,
            v.fps,
            Some(r.steps),
            1,
        )
    } else if let Some(a) = &r.audio {
        state.catalog.audio_cost(&r.model, a.duration, r.steps, 1)
    } else {
        state.catalog.image_cost(
            &r.model,
            1,
            r.steps,
            r.previews,
            r.width,
            r.height,
            r.control_net.is_some(),
            r.denoise(),
        )
    };
    match r.token_type {
        crate::accounts::TokenType::Spark => to_micros(cost.spark),
        crate::accounts::TokenType::Sogni => to_micros(cost.sogni),
    }
}

/// Runs a project that has been admitted (and paid for) to the end.
pub async fn run_project(state: Arc<AppState>, project: Arc<Project>) {
    let req = &project.request;
    let queue = Duration::from_millis(state.config.timing.queue_ms);
    if state.catalog.workers(&project.network, &req.model) == 0 {
        // Nothing connected can run the model on this network: no estimate until a worker
        // comes online (here, after one queue wait), as the real queue reports it.
        emit(
            &state,
            &project,
            "jobState",
            json!({"type": "queued", "jobID": req.project_id, "queuePosition": 1,
                   "estimatedStartSeconds": null, "queueStatus": "no-workers"}),
        );
        if !pause(&project, queue).await {
            return;
        }
    }
    emit(
        &state,
        &project,
        "jobState",
        json!({"type": "queued", "jobID": req.project_id, "queuePosition": 1,
               "estimatedStartSeconds": queue.as_secs_f64().ceil() as u64, "queueStatus": "waiting"}),
    );
    if !pause(&project, queue).await {
        return;
    }
    project.state.lock().unwrap().status = ProjectStatus::Processing;
    let jobs = (0..req.count).map(|index| {
        let state = state.clone();
        let project = project.clone();
        tokio::spawn(async move {
            // Workers pick jobs up a little apart, as a real swarm does.
            if pause(&project, Duration::from_millis(u64::from(index) * 25)).await {
                run_job(&state, &project, index).await;
            }
        })
    });
    futures_util::future::join_all(jobs).await;
    if !pause(
        &project,
        Duration::from_millis(state.config.timing.complete_ms),
    )
    .await
    {
        return;
    }
    let mut st = project.state.lock().unwrap();
    if st.status.finished() {
        return; // cancelled meanwhile
    }
    st.status = ProjectStatus::Completed;
    st.ended_ms = Some(now_ms());
    drop(st);
    let delivered = emit(
        &state,
        &project,
        "jobState",
        json!({"type": "jobCompleted", "jobID": req.project_id}),
    );
    if !delivered {
        // Finished while its appId had no socket: the appId's next `authenticated` gets it
        // in `unclaimedCompletedProjects` (within the hour).
        project.hold_unclaimed();
    }
}

fn set_job(project: &Project, index: u32, f: impl FnOnce(&mut JobRecord)) {
    let mut st = project.state.lock().unwrap();
    if let Some(job) = st.jobs.iter_mut().find(|j| j.index == index) {
        f(job);
    }
}

async fn render(
    state: &AppState,
    project: &Project,
    seed: u64,
    progress: f32,
    format: ImageFormat,
) -> Result<Vec<u8>, String> {
    let req = &project.request;
    let starting = req.starting_image_keep.and_then(|keep| {
        Some((
            state
                .storage
                .get(&upload_key(&req.project_id, "startingImage", None))?,
            keep,
        ))
    });
    let control = req
        .control_net
        .as_ref()
        .filter(|cn| cn.has_image)
        .and_then(|cn| {
            Some((
                state
                    .storage
                    .get(&upload_key(&req.project_id, "cnImage", None))?,
                cn.strength,
            ))
        });
    let (width, height, prompt) = (req.width, req.height, req.prompt.clone());
    tokio::task::spawn_blocking(move || {
        let spec = RenderSpec {
            width,
            height,
            seed,
            prompt: &prompt,
            format,
            starting_image: starting.as_ref().map(|(o, keep)| (&o.bytes[..], *keep)),
            control_image: control.as_ref().map(|(o, s)| (&o.bytes[..], *s)),
            progress,
        };
        render_image(&spec).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// What a video render of a job takes, owned so it can move into a blocking task: the
/// request's size (made even), frames, rate and prompt, the seed, and the uploaded start
/// and end frames read from storage.
struct VideoInput {
    width: u32,
    height: u32,
    frames: u32,
    fps: f64,
    seed: u64,
    prompt: String,
    start: Option<axum::body::Bytes>,
    end: Option<axum::body::Bytes>,
}

impl VideoInput {
    fn of(state: &AppState, req: &JobRequest, v: &VideoRequest, seed: u64) -> Self {
        let upload = |slot: &str, used: bool| {
            used.then(|| state.storage.get(&upload_key(&req.project_id, slot, None)))
                .flatten()
                .map(|o| o.bytes)
        };
        Self {
            width: req.width & !1,
            height: req.height & !1,
            frames: v.frames,
            fps: v.fps,
            seed,
            prompt: req.prompt.clone(),
            start: upload("referenceImage", v.has_reference_image),
            end: upload("referenceImageEnd", v.has_reference_image_end),
        }
    }

    fn spec(&self) -> crate::render::video::VideoSpec<'_> {
        crate::render::video::VideoSpec {
            width: self.width,
            height: self.height,
            frames: self.frames,
            fps: self.fps,
            seed: self.seed,
            prompt: &self.prompt,
            starting_image: self.start.as_deref(),
            end_image: self.end.as_deref(),
        }
    }
}

/// Renders a job's final media: (bytes, MIME type).
async fn render_final(
    state: &AppState,
    project: &Project,
    seed: u64,
) -> Result<(Vec<u8>, &'static str), String> {
    use crate::render::audio::{render_audio, AudioFormat, AudioSpec};
    use crate::render::video::render_mp4;
    let req = &project.request;
    if let Some(v) = &req.video {
        let input = VideoInput::of(state, req, v, seed);
        return tokio::task::spawn_blocking(move || {
            render_mp4(&input.spec())
                .map(|b| (b, "video/mp4"))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    if let Some(a) = req.audio.clone() {
        let format =
            AudioFormat::from_output_format(&req.output_format).unwrap_or(AudioFormat::Mp3);
        let prompt = req.prompt.clone();
        return tokio::task::spawn_blocking(move || {
            let spec = AudioSpec::new(a.duration, a.bpm, seed, &prompt, format);
            render_audio(&spec)
                .map(|b| (b, format.mime()))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    let format = ImageFormat::from_output_format(&req.output_format).unwrap_or(ImageFormat::Png);
    render(state, project, seed, 1.0, format)
        .await
        .map(|b| (b, format.mime()))
}

async fn run_job(state: &AppState, project: &Project, index: u32) {
    let req = &project.request;
    let img_id = uuid::Uuid::new_v4().to_string().to_uppercase();
    let seed = req
        .seed
        .map(|s| s.wrapping_add(u64::from(index)))
        .unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let worker = format!("emulator-worker-{}", index % 4 + 1);
    project.state.lock().unwrap().jobs.push(JobRecord {
        img_id: img_id.clone(),
        index,
        status: JobStatus::Initiating,
        performed_steps: 0,
        seed,
        nsfw: false,
        worker: worker.clone(),
        started_ms: now_ms(),
        ended_ms: None,
        nsfw_sources: Vec::new(),
        receipt: Value::Null,
        last_frame: None,
    });
    let ids =
        json!({"jobID": req.project_id, "imgID": img_id, "workerName": worker, "jobIndex": index});
    let with = |extra: Value| {
        let mut v = ids.clone();
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    };
    emit(
        state,
        project,
        "jobState",
        with(json!({"type": "initiatingModel"})),
    );
    if !pause(project, Duration::from_millis(state.config.timing.init_ms)).await {
        return;
    }
    set_job(project, index, |j| j.status = JobStatus::Processing);
    emit(
        state,
        project,
        "jobState",
        with(json!({"type": "jobStarted"})),
    );
    if state.faults.stalls(&project.app_id, &req.project_id) {
        // An injected fault: this worker goes silent until the project is cancelled.
        pause(project, Duration::from_secs(365 * 86_400)).await;
        return;
    }
    let delay = state.config.timing.step_delay(req.steps);
    let previews = preview_steps(req.steps, req.previews);
    for step in 1..=req.steps {
        if !pause(project, delay).await {
            return;
        }
        let mut progress =
            json!({"jobID": req.project_id, "imgID": img_id, "step": step, "stepCount": req.steps});
        if previews.contains(&step) {
            let p = step as f32 / req.steps as f32;
            if let Ok(bytes) = render(state, project, seed, p, ImageFormat::Jpeg).await {
                let key = result_key(&req.project_id, &img_id, "preview");
                state.storage.put(&key, bytes.into(), "image/jpeg");
                progress["hasImage"] = json!(true);
            }
        }
        set_job(project, index, |j| j.performed_steps = step);
        let remaining = delay * (req.steps - step);
        let (eta, min, max) = eta_interval(remaining, step, req.steps);
        progress["etaSeconds"] = json!(eta);
        progress["etaMin"] = json!(min);
        progress["etaMax"] = json!(max);
        emit(state, project, "jobProgress", progress);
        emit(
            state,
            project,
            "jobETA",
            json!({"jobID": req.project_id, "imgID": img_id, "etaSeconds": remaining.as_secs_f64()}),
        );
    }
    let nsfw = state.config.is_nsfw(&req.prompt);
    let withheld = nsfw && !req.disable_safety;
    let rendered = if withheld {
        Ok((Vec::new(), ""))
    } else {
        render_final(state, project, seed).await
    };
    if cancelled(project) {
        return;
    }
    match rendered {
        Ok((bytes, mime)) => {
            let mut receipt = if withheld {
                json!({})
            } else {
                input_receipt(state, project, &bytes)
            };
            let last_frame = if withheld {
                None
            } else {
                export_last_frame(state, project, &img_id, seed).await
            };
            if !withheld {
                let key = result_key(&req.project_id, &img_id, "complete");
                state.storage.put(&key, bytes.into(), mime);
            }
            let sources: Vec<String> = if nsfw {
                vec!["prompt".into()]
            } else {
                Vec::new()
            };
            let mut result = json!({"jobID": req.project_id, "imgID": img_id, "performedStepCount": req.steps,
                   "lastSeed": seed.to_string(), "userCanceled": false,
                   // Withheld media: the filter fired. Delivered flagged media (filter
                   // off): `nsfwDetected`, as 5.54 reads them.
                   "triggeredNSFWFilter": withheld, "nsfwDetected": nsfw && !withheld,
                   "nsfwSources": sources,
                   "outputFormat": req.output_format, "jobIndex": index});
            if let (Some(r), Some(o)) = (result.as_object_mut(), receipt.as_object()) {
                r.extend(o.clone());
            }
            if let Some((key, url)) = &last_frame {
                result["lastFrameKey"] = json!(key);
                result["lastFrameUrl"] = json!(url);
                receipt["lastFrameKey"] = json!(key);
            }
            set_job(project, index, |j| {
                j.status = JobStatus::Completed;
                j.nsfw = nsfw;
                j.ended_ms = Some(now_ms());
                j.nsfw_sources = sources;
                j.receipt = receipt;
                j.last_frame = last_frame;
            });
            emit(state, project, "jobResult", result);
        }
        Err(message) => {
            set_job(project, index, |j| {
                j.status = JobStatus::Failed;
                j.ended_ms = Some(now_ms());
            });
            let price = job_price(state, project);
            project.owner.refund(req.token_type, price);
            emit(
                state,
                project,
                "jobError",
                json!({"jobID": req.project_id, "imgID": img_id, "isFromWorker": true,
                       "error": "genfailure", "error_message": format!("Render failed: {message}")}),
            );
        }
    }
}

/// A worker's ETA report after `step` of `steps`: seconds left and a confidence interval
/// that starts wide (±50 %) and narrows as steps complete; `0, 0` once nothing is left
/// (the workers' "no interval").
pub fn eta_interval(remaining: Duration, step: u32, steps: u32) -> (f64, f64, f64) {
    let left = remaining.as_secs_f64();
    if left <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let done = f64::from(step) / f64::from(steps.max(1));
    let spread = 0.05 + 0.45 * (1.0 - done);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    (
        round(left),
        round(left * (1.0 - spread)),
        round(left * (1.0 + spread)),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// The worker's result receipt (`JobProvenance` fields of `jobResult`): the SHA-256 of the
/// delivered bytes, of the image an edit started from (`sourceImageSha256`), and of a
/// video's first and last reference stills (`firstFrameSha256`, `lastFrameSha256`).
fn input_receipt(state: &AppState, project: &Project, bytes: &[u8]) -> Value {
    let req = &project.request;
    let upload = |slot: &str| {
        state
            .storage
            .get(&upload_key(&req.project_id, slot, None))
            .map(|o| sha256_hex(&o.bytes))
    };
    let mut receipt = json!({"sha256": sha256_hex(bytes)});
    if req.starting_image_keep.is_some() {
        if let Some(h) = upload("startingImage") {
            receipt["sourceImageSha256"] = json!(h);
        }
    }
    if let Some(v) = &req.video {
        if v.has_reference_image {
            if let Some(h) = upload("referenceImage") {
                receipt["firstFrameSha256"] = json!(h);
            }
        }
        if v.has_reference_image_end {
            if let Some(h) = upload("referenceImageEnd") {
                receipt["lastFrameSha256"] = json!(h);
            }
        }
    }
    receipt
}

/// Seedance 2.5 with `returnLastFrame`: the video's final frame as a PNG in storage, and
/// `(lastFrameKey, signed lastFrameUrl)`. Other models export nothing.
async fn export_last_frame(
    state: &AppState,
    project: &Project,
    img_id: &str,
    seed: u64,
) -> Option<(String, String)> {
    use crate::render::video::render_last_frame_png;
    let req = &project.request;
    let v = req.video.as_ref().filter(|v| v.return_last_frame)?;
    if req.model != "seedance-2-5" {
        return None;
    }
    let input = VideoInput::of(state, req, v, seed);
    let png = tokio::task::spawn_blocking(move || render_last_frame_png(&input.spec()).ok())
        .await
        .ok()??;
    let key = result_key(&req.project_id, img_id, "lastFrame");
    state.storage.put(&key, png.into(), "image/png");
    let url = state.storage.presign(
        state.base_url(),
        "GET",
        &key,
        crate::state::now_secs() + state.config.url_ttl_secs,
    );
    Some((key, url))
}

/// Cancels a project for its owner. Returns whether anything was cancelled, and why not.
pub fn cancel_project(state: &AppState, owner: &str, project_id: &str) -> Result<(), String> {
    let Some(project) = state.projects.get(project_id) else {
        return Err("Project not found".into());
    };
    if !project.owner.address.eq_ignore_ascii_case(owner) {
        return Err("Project not found".into());
    }
    let unfinished = {
        let mut st = project.state.lock().unwrap();
        if st.status.finished() {
            return Err("Project has already finished".into());
        }
        st.status = ProjectStatus::Canceled;
        st.ended_ms = Some(now_ms());
        let mut stopped = 0;
        for job in st.jobs.iter_mut() {
            if matches!(job.status, JobStatus::Initiating | JobStatus::Processing) {
                job.status = JobStatus::Canceled;
                job.ended_ms = Some(now_ms());
                stopped += 1;
            }
        }
        // Jobs stopped now and jobs never started are refunded.
        stopped + project.request.count.saturating_sub(st.jobs.len() as u32)
    };
    project.cancel.send_replace(true);
    let refund = job_price(state, &project) * i64::from(unfinished);
    project.owner.refund(project.request.token_type, refund);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_intervals_narrow_as_steps_complete() {
        let (eta, min, max) = eta_interval(Duration::from_secs(10), 1, 10);
        assert_eq!(eta, 10.0);
        assert!(min < eta && eta < max);
        let (_, min2, max2) = eta_interval(Duration::from_secs(10), 9, 10);
        assert!(max2 - min2 < max - min, "narrower later");
        assert_eq!(eta_interval(Duration::ZERO, 10, 10), (0.0, 0.0, 0.0));
    }

    #[test]
    fn previews_are_spread_over_the_steps() {
        assert_eq!(preview_steps(4, 0), Vec::<u32>::new());
        assert_eq!(preview_steps(4, 1), vec![2]);
        assert_eq!(preview_steps(20, 3), vec![5, 10, 15]);
        assert_eq!(preview_steps(2, 2), vec![1]);
    }
}
