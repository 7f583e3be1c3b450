import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigError } from '../config.error';
import { type ConfigOutput } from '../config-field';
import { duration, port } from '../config-fields';
import { APP_CONFIG, ConfigModule } from './config.module';

const schema = { port: port('SPEC_PORT'), timeoutMs: duration('SPEC_TIMEOUT').default('5s') };
type SpecConfig = ConfigOutput<typeof schema>;

@Injectable()
class NeedsConfig {
  constructor(@Inject(APP_CONFIG) readonly config: SpecConfig) {}
}

describe('ConfigModule', () => {
  it('provides the loaded config under APP_CONFIG to every module', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(schema, { appName: 'spec-app', env: { SPEC_PORT: '7000' } })],
      providers: [NeedsConfig],
    }).compile();
    expect(moduleRef.get(NeedsConfig).config).toEqual({ port: 7000, timeoutMs: 5000 });
    await moduleRef.close();
  });

  it('fails the boot with a ConfigError when the environment is invalid', async () => {
    const compiling = Test.createTestingModule({
      imports: [ConfigModule.forRoot(schema, { appName: 'spec-app', env: { SPEC_PORT: 'x' } })],
    }).compile();
    await expect(compiling).rejects.toThrow(ConfigError);
    await expect(
      Test.createTestingModule({
        imports: [ConfigModule.forRoot(schema, { appName: 'spec-app', env: {} })],
      }).compile(),
    ).rejects.toThrow('spec-app config invalid:\n  - SPEC_PORT: required');
  });
});
