import { commands } from './bindings';
import { isSafeExternalUrl } from './logic/format';

/** Opens an http(s) link in the system browser; the webview itself never navigates. */
export function openLink(e: MouseEvent, href: string): void {
  e.preventDefault();
  if (isSafeExternalUrl(href)) void commands.openExternal(href);
}
