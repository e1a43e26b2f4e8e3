// Defence in depth against prototype pollution: whatever a library might write through
// `x.__proto__.y` or `x.constructor.prototype.y` (scim-patch 0.8.3 did, from one SCIM request),
// the shared prototypes of the values JSON can produce are frozen, so nothing can be added to or
// changed on them for the rest of the process.

/** The prototypes a JSON value reaches through `__proto__`, `constructor.prototype` and friends. */
const PROTOTYPES: readonly object[] = [
	Object.prototype,
	Function.prototype,
	Array.prototype,
	String.prototype,
	Number.prototype,
	Boolean.prototype
];

// Freezing turns an inherited data property read-only, and assigning a read-only inherited
// property throws in strict code even on an object of one's own (`obj.toString = f`, the
// "override mistake"); libraries do that to their own objects. These names become accessors whose
// setter defines the property on the object assigned to, so such code keeps working, while
// assigning them on the prototype itself still fails. Only on the two prototypes ordinary objects
// and functions inherit from: an accessor `constructor` on Array.prototype would send every
// `map`/`filter`/`slice` down V8's slow species path, and nobody overrides methods on one array.
const OVERRIDABLE: [object, string[]][] = [
	[
		Object.prototype,
		[
			'constructor',
			'toString',
			'toLocaleString',
			'valueOf',
			'hasOwnProperty',
			'isPrototypeOf',
			'propertyIsEnumerable'
		]
	],
	[Function.prototype, ['constructor', 'toString']]
];

function allowOverrides(proto: object, names: string[]): void {
	for (const name of names) {
		const desc = Object.getOwnPropertyDescriptor(proto, name);
		if (!desc || !('value' in desc) || !desc.writable || !desc.configurable) continue;
		const value: unknown = desc.value;
		Object.defineProperty(proto, name, {
			get() {
				return value;
			},
			set(this: object, next: unknown) {
				if (this === proto) {
					throw new TypeError(`Cannot assign to ${name} of a frozen prototype`);
				}
				// A primitive receiver: ordinary assignment would not stick either.
				if (typeof this !== 'object' && typeof this !== 'function') return;
				Object.defineProperty(this, name, {
					value: next,
					writable: true,
					enumerable: true,
					configurable: true
				});
			},
			enumerable: desc.enumerable,
			configurable: false
		});
	}
}

let hardened = false;

/**
 * Freezes the shared prototypes for the rest of the process (idempotent). Call once at start,
 * after the modules that patch prototypes on load.
 */
export function hardenPrototypes(): void {
	if (hardened) return;
	hardened = true;
	for (const [proto, names] of OVERRIDABLE) allowOverrides(proto, names);
	for (const proto of PROTOTYPES) Object.freeze(proto);
}

/** Whether `hardenPrototypes` has run in this process. */
export function prototypesHardened(): boolean {
	return hardened && PROTOTYPES.every((p) => Object.isFrozen(p));
}
