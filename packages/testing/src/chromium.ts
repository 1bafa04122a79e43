/**
 * Headless Chromium for the page tests: Debian's `/usr/bin/chromium` through playwright-core, with
 * a fresh profile directory removed on close, and the flags that keep it quiet on a test machine
 * (no sandbox in containers, no GPU, no background calls home).
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { SkippableTest } from './nats-server.js';

/** Where Debian's `chromium` package installs the browser; `LT_CHROMIUM` overrides it. */
export const CHROMIUM_PATH = process.env.LT_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface LaunchChromiumOptions {
  /** `navigator.language` and `Accept-Language`; default `vi-VN`. */
  readonly locale?: string;
  /** Keep downloads (page.waitForEvent('download')); default false. */
  readonly acceptDownloads?: boolean;
}

/** A running Chromium: one browser context on its own fresh profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** The profile directory (`--user-data-dir`), removed by `close`. */
  readonly profileDir: string;
  /** A new tab, sized when a viewport is given (default 1280×720). */
  newPage(viewport?: { readonly width: number; readonly height: number }): Promise<Page>;
  /** Closes the browser and removes its profile; idempotent. */
  close(): Promise<void>;
}

export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `requireNatsServer`: true when Chromium is installed; else fails under CI and is reported skipped elsewhere. */
export function requireChromium(t: SkippableTest): boolean {
  if (chromiumAvailable()) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.CI) t.fail(message);
  else t.skip(message, () => {});
  return false;
}

/** Starts headless Chromium on a fresh profile directory. */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<LaunchedChromium> {
  const profileDir = mkdtempSync(join(tmpdir(), 'lt-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      args: [...ARGS],
      locale: options.locale ?? 'vi-VN',
      acceptDownloads: options.acceptDownloads ?? false,
    });
  } catch (error) {
    rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    context,
    profileDir,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize({ width: viewport.width, height: viewport.height });
      return page;
    },
    close() {
      closed ??= context.close().finally(() => rmSync(profileDir, { recursive: true, force: true }));
      return closed;
    },
  };
}
