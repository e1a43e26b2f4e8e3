import type { BrowserContextOptions } from '@playwright/test';

/** A tablet (iPad Air portrait, touch) and a laptop: the two screens the admin journeys run on. */
export const VIEWPORTS: [label: string, options: BrowserContextOptions][] = [
	['laptop 1366×768', { viewport: { width: 1366, height: 768 } }],
	[
		'tablet 820×1180, touch',
		{
			viewport: { width: 820, height: 1180 },
			deviceScaleFactor: 2,
			isMobile: true,
			hasTouch: true
		}
	]
];
