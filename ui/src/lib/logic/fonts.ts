/**
 * The language picker names each language in itself (Settings.svelte). The glyphs of
 * those names that the UI's first font (Inter) lacks, today the four of 简体中文, come
 * from a 2.7 KB subset of Noto Sans CJK SC (`public/fonts`, made by
 * scripts/language-names-font.sh; SIL OFL 1.1), not from the system's CJK font: drawing
 * them from the system font made WebKit map and parse all of Noto Sans CJK on the
 * sign-in screen (1.9 MB of the web process for the rest of the session,
 * docs/benchmarks.md, C1), and the name now shows where no CJK font is installed.
 *
 * The face is added from script and awaited before the first screen shows: a web font
 * still loading is stood in for by the next families of the list, which would load the
 * system's CJK font all the same.
 */

/** The family Settings.svelte names for the language picker. */
export const LANGUAGE_NAMES_FAMILY = 'TernLanguageNames';
/** The characters the subset has (glyphs.test.ts checks it covers the names). */
export const LANGUAGE_NAMES_RANGE = 'U+4E2D, U+4F53, U+6587, U+7B80';
/** Where the subset is served (public/fonts). */
export const LANGUAGE_NAMES_URL = '/fonts/tern-language-names.woff';

/** Adds and loads the face; never fails (without it the system's fonts draw the names). */
export async function loadLanguageNamesFont(): Promise<void> {
  if (typeof FontFace === 'undefined' || typeof document === 'undefined' || !document.fonts) return;
  try {
    const face = new FontFace(LANGUAGE_NAMES_FAMILY, `url('${LANGUAGE_NAMES_URL}') format('woff')`, { unicodeRange: LANGUAGE_NAMES_RANGE });
    document.fonts.add(face);
    await face.load();
  } catch (e) {
    console.warn('language names font', e);
  }
}
