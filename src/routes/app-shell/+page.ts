// The offline app shell: the service worker precaches this page's HTML and answers every in-app
// navigation with it, then the client router renders whichever URL the browser is at. Rendered
// without SSR so the HTML holds no route's data and no user's data.
export const ssr = false;
