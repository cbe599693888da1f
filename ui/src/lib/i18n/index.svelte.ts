/**
 * zh-CN and English (i18next). The language follows the system (the webview's
 * `navigator.languages`, which WebKitGTK takes from LANG/LANGUAGE) unless the
 * user picked one in the app (kept in localStorage on this device). `t` reads
 * the current language from a rune, so every text re-renders on a switch.
 * Dates and times use the same locale through Intl (see logic/format).
 */
import i18next, { type TOptions } from 'i18next';
import en from './en';
import zhCN from './zh-CN';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export type LocaleChoice = 'system' | Locale;

const STORE_KEY = 'tern.locale';

/** The supported language closest to the user's list ("zh", "zh-Hans-CN", "zh_CN" → zh-CN; anything else → en). */
export function pickLocale(langs: readonly string[]): Locale {
  for (const l of langs) {
    const tag = l.toLowerCase().replace('_', '-');
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function systemLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

function storedChoice(): LocaleChoice {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return v === 'en' || v === 'zh-CN' ? v : 'system';
  } catch {
    return 'system';
  }
}

class I18nState {
  choice = $state<LocaleChoice>(storedChoice());
  system = $state<Locale>(pickLocale(systemLanguages()));

  get locale(): Locale {
    return this.choice === 'system' ? this.system : this.choice;
  }
}

export const i18n = new I18nState();

void i18next.init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: i18n.locale,
  fallbackLng: false,
  initAsync: false,
  returnNull: false,
  interpolation: { escapeValue: false }, // Svelte renders text nodes, never HTML
});

/** Sets the language ("system" follows the system again) and remembers the choice on this device. */
export function setLocaleChoice(choice: LocaleChoice): void {
  i18n.choice = choice;
  try {
    if (choice === 'system') localStorage.removeItem(STORE_KEY);
    else localStorage.setItem(STORE_KEY, choice);
  } catch {
    // no storage: the choice lasts for this run
  }
  syncDocument();
}

/** `<html lang>` follows, so fonts and line breaking fit the language. */
export function syncDocument(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = i18n.locale;
}

/** The system's languages as the app reports them (WebKitGTK's navigator.language ignores LANG). */
export function setSystemLanguages(langs: readonly string[]): void {
  i18n.system = pickLocale([...langs, ...systemLanguages()]);
  syncDocument();
}

/** The current locale for Intl (dates, times, numbers). */
export function intlLocale(): Locale {
  return i18n.locale;
}

/** The text for `key` in the current language (`count` picks the plural form). */
export function t(key: string, options?: TOptions): string {
  return i18next.t(key, { ...options, lng: i18n.locale }) as string;
}

/** `key` in each of the app's languages (text written by someone whose app speaks another). */
export function inEveryLocale(key: string): string[] {
  return LOCALES.map((l) => i18next.getFixedT(l)(key));
}
