import { z } from 'zod';
import { signRequest, type SigningKey } from '@lienthong/http-signatures';
import { AppError } from '@lienthong/service-kit';
import type { FederationState } from './federation-state.js';

const answer = z.object({
  organId: z.string(),
  agencies: z.array(z.object({ organId: z.string().min(1).max(200), name: z.string().max(1000) })).max(200_000),
});

/** `POST /v1/admin/peers/:peerId/sync`: a signed GET of the peer's agencies, kept as an event. */
export function directorySync(state: FederationState, key: SigningKey, timeoutMs = 30_000) {
  return async (peerId: string, ctx: { correlationId: string; actor: string }) => {
    const peer = state.peer(peerId);
    if (!peer) throw new AppError('LT_NOT_FOUND', `no peer ${peerId}`);
    const url = `${peer.peer.baseUrl.replace(/\/+$/, '')}/v1/federation/agencies`;
    let body: unknown;
    try {
      const headers = await signRequest({ method: 'GET', url, body: '' }, key);
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 300)}`);
      body = await response.json();
    } catch (error) {
      throw new AppError('LT_UNAVAILABLE', `peer ${peerId} did not give its agencies: ${(error as Error).message}`, { cause: error });
    }
    const parsed = answer.safeParse(body);
    if (!parsed.success)
      throw new AppError('LT_UNAVAILABLE', `peer ${peerId} answered agencies in another shape: ${parsed.error.message.slice(0, 300)}`);
    await state.saveDirectory(peerId, parsed.data.agencies, ctx);
    return { peerId, agencies: parsed.data.agencies.length };
  };
}
