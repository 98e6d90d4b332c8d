/**
 * `render k8s`: per instance a ConfigMap (declared config keys), a Secret (`data`, standard base64 — never
 * `stringData`, which `kubectl apply` copies in plain text into an annotation) or an External Secrets Operator
 * `ExternalSecret`, and a Deployment that wires them: `envFrom` the ConfigMap, the Secret mounted read-only at
 * `/run/secrets`, `<fileEnv>` pointing at each file. Pure: secret values arrive as data.
 */
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Bundle } from '../resolve/types.ts';
import { type ComposeContext, deliveredLocation, fillTemplate, secretSource } from './_compose.ts';
import { checkDataKey, checkDataSize, objectName } from './_k8s-names.ts';
import { toYaml, type YamlValue, yamlComment } from './_yaml.ts';
import { generatedHeader, type Rendering } from './types.ts';

export interface ExternalSecretsOptions {
  storeName: string;
  storeKind: 'SecretStore' | 'ClusterSecretStore';
  refreshInterval: string;
}

export interface K8sOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  /** Secret values by `secretSource` (`name`, or `name_tenant`); a missing entry is left out with a warning. */
  values: ReadonlyMap<string, string>;
  /** Render ExternalSecret objects (no values) instead of Secrets. */
  externalSecrets?: ExternalSecretsOptions;
  image: string;
  namespace?: string;
  path?: string;
  command: string;
}

export function defaultK8sPath(environment: Environment): string {
  return `k8s.${environment.name}.yaml`;
}

export function renderK8s(options: K8sOptions): Rendering {
  const ctx: ComposeContext = { ...options, dir: '', warnings: [] };
  const documents: YamlValue[] = [];
  let carriesValues = false;
  for (const bundle of options.bundles) {
    const configName = objectName(options.manifest, bundle.instance.slug, 'config');
    const secretName = objectName(options.manifest, bundle.instance.slug, 'secrets');
    const metadata = (name: string) => ({ name, namespace: options.namespace, labels: labels(options, bundle) });

    const config: Record<string, string> = {};
    for (const c of bundle.config) {
      checkDataKey(options.manifest, c.key, c.key);
      if (c.value === undefined) ctx.warnings.push(`${c.key} has no value for ${bundle.instance.id}; left out`);
      else config[c.key] = c.value;
    }
    checkDataSize(options.manifest, configName, Object.values(config));
    documents.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(configName), data: config });

    if (bundle.secrets.length > 0) {
      for (const s of bundle.secrets) checkDataKey(options.manifest, s.name, s.name);
      if (options.externalSecrets) {
        documents.push(externalSecret(ctx, options.externalSecrets, bundle, metadata(secretName)));
      } else {
        const data: Record<string, string> = {};
        const plain: string[] = [];
        for (const s of bundle.secrets) {
          const value = options.values.get(secretSource(s));
          if (value === undefined) {
            ctx.warnings.push(`${s.name} has no value for ${bundle.instance.id}; left out of ${secretName}`);
            continue;
          }
          plain.push(value);
          data[s.name] = Buffer.from(value, 'utf8').toString('base64');
        }
        checkDataSize(options.manifest, secretName, plain);
        carriesValues ||= plain.length > 0;
        documents.push({ apiVersion: 'v1', kind: 'Secret', metadata: metadata(secretName), type: 'Opaque', data });
      }
    }
    documents.push(deployment(options, bundle, metadata, configName, secretName));
  }
  const header = yamlComment(generatedHeader(options.command));
  const contents = header + documents.map((d) => `---\n${toYaml(d)}`).join('');
  const path = options.path ?? defaultK8sPath(options.environment);
  return {
    files: [{ path, contents, ...(carriesValues ? { secret: true, mode: 0o600 } : {}) }],
    warnings: ctx.warnings,
  };
}

function labels(options: K8sOptions, bundle: Bundle): Record<string, string> {
  return {
    'app.kubernetes.io/name': bundle.instance.slug.toLowerCase(),
    'app.kubernetes.io/part-of': options.manifest.project.toLowerCase(),
    'app.kubernetes.io/managed-by': 'envplane',
  };
}

function externalSecret(
  ctx: ComposeContext,
  store: ExternalSecretsOptions,
  bundle: Bundle,
  metadata: Record<string, YamlValue>,
): YamlValue {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata,
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { name: store.storeName, kind: store.storeKind },
      target: { name: metadata.name as string, creationPolicy: 'Owner' },
      data: bundle.secrets.map((s) => {
        const location = deliveredLocation(ctx, bundle, s);
        return {
          secretKey: s.name,
          remoteRef: { key: location.kind === 'external' ? location.name : secretSource(s) },
        };
      }),
    },
  };
}

function deployment(
  options: K8sOptions,
  bundle: Bundle,
  metadata: (name: string) => Record<string, YamlValue>,
  configName: string,
  secretName: string,
): YamlValue {
  const name = objectName(options.manifest, bundle.instance.slug, 'app');
  const selector = { 'app.kubernetes.io/name': bundle.instance.slug.toLowerCase() };
  const hasSecrets = bundle.secrets.length > 0;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name),
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          containers: [
            {
              name: bundle.instance.slug.toLowerCase(),
              image: fillTemplate(options.image, options.manifest, bundle),
              envFrom: [{ configMapRef: { name: configName } }],
              env: hasSecrets ? bundle.secrets.map((s) => ({ name: s.fileEnv, value: s.target })) : undefined,
              volumeMounts: hasSecrets ? [{ name: 'secrets', mountPath: '/run/secrets', readOnly: true }] : undefined,
            },
          ],
          volumes: hasSecrets ? [{ name: 'secrets', secret: { secretName, defaultMode: 0o400 } }] : undefined,
        },
      },
    },
  };
}
