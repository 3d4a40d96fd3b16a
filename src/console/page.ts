import type { ConsoleBundle } from "./build";

/**
 * The console's one HTML page: the client routes by the URL's hash (#/integrations), so the server
 * needs no other. No inline script or style: the Content-Security-Policy allows neither.
 */
export function consolePage(bundle: Pick<ConsoleBundle, "script" | "stylesheet" | "icon">): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Herald console</title>
<link rel="icon" href="${bundle.icon}" type="image/svg+xml">
<link rel="stylesheet" href="${bundle.stylesheet}">
<script type="module" src="${bundle.script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Herald console needs JavaScript.</noscript>
</body>
</html>
`;
}
