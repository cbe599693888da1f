import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { allowsNativeMenu } from './lib/logic/menu';
import { syncDocument } from './lib/i18n/index.svelte';
import { startTheme } from './lib/theme.svelte';

syncDocument();
startTheme();

// The webview's own menu (Back/Forward/Reload/Inspect) is off in every build; text
// fields keep it for copy/paste, and messages get the app's own menu instead.
document.addEventListener('contextmenu', (e) => {
  if (!allowsNativeMenu(e.target)) e.preventDefault();
});

const app = mount(App, { target: document.getElementById('app')! });

export default app;
