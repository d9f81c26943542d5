import { describeExample } from './examples-kit.ts';

describeExample('01-minimal');
