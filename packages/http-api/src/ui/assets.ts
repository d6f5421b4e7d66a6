export { UI_CSS } from './css.js';
export { UI_HTML } from './html.js';
export { UI_JS } from './js.js';
