/**
 * Light and dark themes. "System" follows `prefers-color-scheme`, which
 * WebKitGTK takes from GTK's dark preference (GTK_THEME=…:dark, or
 * gtk-application-prefer-dark-theme); the user may pick Light or Dark instead
 * (kept in localStorage on this device). The resolved theme is set as
 * `<html data-theme>`, which switches the CSS variables in app.css.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORE_KEY = 'tern.theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

class ThemeState {
  choice = $state<ThemeChoice>(stored());
  systemDark = $state(query?.matches ?? false);

  get resolved(): Theme {
    return this.choice === 'system' ? (this.systemDark ? 'dark' : 'light') : this.choice;
  }
}

export const theme = new ThemeState();

function apply(): void {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  root.dataset.theme = theme.resolved;
  root.style.colorScheme = theme.resolved;
}

/** Applies the theme now and follows the system's changes from then on. */
export function startTheme(): void {
  query?.addEventListener('change', (e) => {
    theme.systemDark = e.matches;
    apply();
  });
  apply();
}

/** The desktop's dark preference as the app reports it (WebKitGTK's media query may miss GTK's dark variant). */
export function setSystemDark(dark: boolean): void {
  theme.systemDark = dark || (query?.matches ?? false);
  apply();
}

/** The user's choice (System / Light / Dark), applied and remembered on this device. */
export function setThemeChoice(choice: ThemeChoice): void {
  theme.choice = choice;
  try {
    if (choice === 'system') localStorage.removeItem(STORE_KEY);
    else localStorage.setItem(STORE_KEY, choice);
  } catch {
    // no storage: the choice lasts for this run
  }
  apply();
}
