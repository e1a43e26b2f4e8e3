import { createContext } from 'svelte';
import { isWithin } from '../domain/domains';
import type { MirrorDomain } from './db';
import { FeatureState } from './feature-state.svelte';

/** The enterprise's domains (R13–R15): verification, capture and the unclaimed accounts on each. */
export class DomainsState extends FeatureState {
	readonly #domains = this.live((db) => db.domains.orderBy('domain').toArray());
	/** The domain just added, offered "Verify domain" at once. */
	justAdded = $state<string | null>(null);

	/** Each domain with how it counts as verified (R13): itself, through a root, or not yet. */
	readonly list = $derived.by(() => {
		const domains = this.#domains.current;
		return (
			domains?.map((d) => {
				const root =
					d.verifiedAt == null
						? domains.find(
								(r) => r.id !== d.id && r.verifiedAt != null && isWithin(d.domain, r.domain)
							)
						: undefined;
				return { ...d, verified: d.verifiedAt != null || !!root, via: root?.domain ?? null };
			}) ?? null
		);
	});

	/** Per domain, the names of its changes the server has not confirmed yet. */
	readonly pendingByDomain = $derived.by(() => {
		const map = new Map<string, string[]>();
		for (const p of this.pending) {
			const id = (p.args as { domainID?: unknown } | null)?.domainID;
			if (typeof id === 'string') map.set(id, [...(map.get(id) ?? []), p.name]);
		}
		return map;
	});

	/** The newest refused verification per domain (R13: it says what DNS holds). */
	readonly refusals = $derived.by(() => {
		const map = new Map<string, string>();
		for (const r of this.sync.rejections) {
			const id = (r.args as { domainID?: unknown } | null)?.domainID;
			if (r.name === 'verifyDomain' && typeof id === 'string') map.set(id, r.message);
		}
		return map;
	});

	/** R15: the unclaimed accounts summed over the domains that have a count. */
	get unclaimed(): { domains: number; total: number } {
		const counted = (this.list ?? []).filter((d) => d.unclaimedCount != null);
		return {
			domains: counted.length,
			total: counted.reduce((n, d) => n + (d.unclaimedCount ?? 0), 0)
		};
	}

	override clear(): void {
		super.clear();
		this.justAdded = null;
	}

	/** Queues a new domain; the caller shows its refusal in the form. */
	async add(domain: string) {
		const domainID = crypto.randomUUID();
		const result = await this.sync.mutate('addDomain', { domainID, domain });
		if (result.ok) this.justAdded = domainID;
		return result;
	}

	verify(domainID: string) {
		return this.run('verifyDomain', { domainID });
	}

	setCapture(domainID: string, enabled: boolean) {
		return this.run('setDomainCapture', { domainID, enabled });
	}

	remove(domainID: string) {
		return this.run('deleteDomain', { domainID });
	}

	/** Copies the TXT value to publish; returns whether the browser allowed it. */
	async copy(d: MirrorDomain): Promise<boolean> {
		if (!d.verificationValue) return false;
		try {
			await navigator.clipboard.writeText(d.verificationValue);
			return true;
		} catch {
			this.message = 'Copying was refused by the browser: select the value and copy it by hand.';
			return false;
		}
	}
}

/** Provides and reads the domains state of the enterprise's pages. */
export const [getDomains, setDomains] = createContext<DomainsState>();
