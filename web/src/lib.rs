//! The streamlab playground page: a Yew app around the engine.
//!
//! - [`app`]: the page (editor, inputs per socket port, batches, console, labs).
//! - [`session`]: one run of a script: the engine, queued inputs, what it printed.
//! - [`link`]: `#lab=` and `#v1=` lab links. [`labs`]: the built-in labs.
//! - [`relay`]: lines from `nc` through `streamlab-relay`. [`store`]: reload survival.
//! - [`highlight`]: PySpark highlighting for the editor.

pub mod app;
pub mod highlight;
pub mod labs;
pub mod link;
pub mod relay;
pub mod session;
pub mod store;

use wasm_bindgen::prelude::*;

/// Shows a panic in the page instead of leaving it dead and blank.
fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    let msg = info.to_string();
    web_sys::console::error_1(&JsValue::from_str(&msg));
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(el) = doc.create_element("div") {
            el.set_id("crash");
            el.set_class_name("crash");
            el.set_text_content(Some(&format!(
                "streamlab stopped after an internal error (please report it): {msg}. Reload the page to go on; your script is saved."
            )));
            if let Some(body) = doc.body() {
                let _ = body.prepend_with_node_1(&el);
            }
        }
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    yew::set_custom_panic_hook(Box::new(panic_hook));
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(el) => {
            el.set_inner_html("");
            yew::Renderer::<app::App>::with_root(el).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
