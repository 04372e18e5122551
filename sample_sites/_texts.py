"""Word pools the sample site's pages are assembled from.

Plain data, no logic. Chinese and English mixed like the real site; words the
search tests look for (`模型`, `预训练模型`, `BERT`) are common on purpose.
Sentences never contain markup, so each one survives text extraction intact
and can serve as a phrase a parser's ``answer_text`` must contain.
"""

from __future__ import annotations

TOPICS_ZH = (
    "预训练模型", "BERT", "大模型", "Transformer模型", "PyTorch", "TensorFlow", "Python",
    "pandas", "NumPy", "Linux", "Docker", "Git", "MySQL", "Redis", "Spring Boot", "Vue",
    "React", "Kubernetes", "Nginx", "OpenCV", "深度学习模型", "卷积神经网络", "LSTM", "GPT",
    "Java", "C++", "Go", "Excel", "正则表达式", "多线程", "JSON", "HTTP", "语言模型",
)

TOPICS_EN = (
    "BERT", "PyTorch", "TensorFlow", "Python", "pandas", "NumPy", "Docker", "Git", "MySQL",
    "Redis", "Kubernetes", "Nginx", "React", "Go", "Rust", "SQLite", "asyncio",
    "a pretrained model",
)

TASKS_ZH = (
    "读取Excel文件", "加载预训练模型", "微调BERT模型", "查看端口占用", "撤销最近一次提交",
    "实现多线程下载", "连接数据库", "部署模型", "计算余弦相似度", "处理缺失值", "导出CSV文件",
    "配置环境变量", "解析JSON数据", "训练文本分类模型", "提取字向量", "压缩图片", "统计词频",
)

TASKS_EN = (
    "read a CSV file", "fine-tune a BERT model", "load a pretrained model",
    "merge two dataframes", "undo the last commit", "parse JSON", "deploy a model",
    "profile memory usage", "retry failed requests", "stream a large file",
)

ERRORS = (
    "ModuleNotFoundError", "CUDA out of memory", "KeyError", "NullPointerException",
    "Permission denied", "UnicodeDecodeError", "Connection refused", "Segmentation fault",
)

TITLE_TEMPLATES_ZH = (
    "{a}和{b}的区别",
    "如何在{a}中{task}",
    "{a}报错{err}怎么解决",
    "{a}是什么",
    "{a}的原理是什么",
    "用{a}实现{task}",
    "{a}{task}的方法",
    "模型训练和{a}的区别",
    "{a}和预训练模型有什么关系",
)

TITLE_TEMPLATES_EN = (
    "How to {task_en} with {a_en}",
    "What is the difference between {a_en} and {b_en}",
    "{a_en} raises {err}",
    "Why does {a_en} need so much memory",
)

SENTENCES_ZH = (
    "{a}是一种常用的技术,可以帮助开发者更高效地完成{task}。",
    "在使用{a}之前,需要先确认运行环境和依赖版本是否匹配。",
    "预训练模型在大规模语料上学习通用的特征表示,然后可以被微调到具体任务上。",
    "{a}和{b}的主要区别在于设计目标和适用场景不同。",
    "如果出现错误,可以先检查日志中的异常信息,再逐步定位问题。",
    "一般来说,{a}适合处理结构化的数据,而{b}更适合处理非结构化的数据。",
    "下面给出一个简单的示例代码,演示如何{task}。",
    "需要注意的是,不同版本的{a}在接口上可能存在差异。",
    "BERT模型通过掩码语言模型和下一句预测两个任务进行预训练。",
    "大模型通常需要大量的计算资源,训练时可以使用分布式训练技术来加速。",
    "总结来说,选择{a}还是{b}取决于具体的业务需求。",
    "模型训练一般使用特定任务的数据集,而预训练使用大规模的通用数据集。",
    "在生产环境中部署{a}时,建议开启日志并设置合理的超时时间。",
    "{a}的社区非常活跃,遇到问题时可以查阅官方文档或在社区提问。",
)

SENTENCES_EN = (
    "In short, {a_en} is a good fit when you need to {task_en}.",
    "Make sure the version of {a_en} matches the one your code was written for.",
    "The example below shows how to {task_en} step by step.",
    "A pretrained model such as BERT can be fine-tuned on a small labelled dataset.",
    "If the error persists, check the full traceback and the environment variables.",
    "Keep an eye on memory usage: {a_en} allocates buffers lazily.",
)

LIST_ITEMS = (
    "安装依赖:pip install -r requirements.txt",
    "检查{a}的版本是否满足要求",
    "准备训练数据并划分训练集和验证集",
    "加载预训练模型的权重",
    "设置学习率和批大小",
    "运行脚本并观察输出日志",
    "Restart the service after changing the configuration",
    "Check that the port is not already in use",
    "保存模型并在测试集上评估效果",
    "{a}的配置文件通常位于项目根目录",
)

TABLE_SHAPES = (
    (("参数", "说明", "默认值"), (
        ("batch_size", "每批样本数", "32"),
        ("learning_rate", "学习率", "2e-5"),
        ("epochs", "训练轮数", "3"),
        ("max_length", "最大序列长度", "128"),
    )),
    (("命令", "作用"), (
        ("git status", "查看工作区状态"),
        ("git log --oneline", "查看提交历史"),
        ("git reset --soft HEAD~1", "撤销最近一次提交"),
    )),
    (("Model", "Parameters", "Year"), (
        ("BERT-base", "110M", "2018"),
        ("GPT-2", "1.5B", "2019"),
        ("T5-large", "770M", "2019"),
    )),
)

CODE_SNIPPETS: tuple[tuple[str, str], ...] = (
    ("python", 'import pandas as pd\n\ndf = pd.read_excel("{name}.xlsx", sheet_name=0)\n'
               "print(df.head({n}))"),
    ("python", "from transformers import BertModel, BertTokenizer\n\n"
               'tokenizer = BertTokenizer.from_pretrained("bert-base-chinese")\n'
               'model = BertModel.from_pretrained("bert-base-chinese")\n'
               'inputs = tokenizer("预训练模型", return_tensors="pt")\n'
               "outputs = model(**inputs)"),
    ("python", "def {name}(items):\n    result = []\n    for i, item in enumerate(items):\n"
               "        if item > {n} and item < {n} * 10:\n            result.append((i, item))\n"
               "    return result"),
    ("bash", "netstat -tunlp | grep {port}\nlsof -i :{port}"),
    ("bash", "git reset --soft HEAD~1\ngit status"),
    ("bash", "docker run -d -p {port}:80 --name {name} nginx:latest"),
    ("java", "public class {cls} {{\n    public static void main(String[] args) {{\n"
             '        System.out.println("count = " + {n});\n    }}\n}}'),
    ("sql", "SELECT id, title, view_count\nFROM answers\nWHERE view_count > {n}\n"
            "ORDER BY view_count DESC\nLIMIT 10;"),
    ("javascript", "const res = await fetch('/api/{name}?limit={n}');\n"
                   "const data = await res.json();\nconsole.log(data.items.length);"),
)

RESOURCE_TITLES = (
    "{a}实战教程",
    "{a}从入门到精通",
    "基于{a}的{task}实现",
    "{a_en} Reference Manual",
    "{a}面试题汇总",
    "Pytorch加载部分预训练模型的参数实例",
    "BERT预训练模型字向量提取工具",
    "自然语言处理-基于预训练模型的方法-笔记",
    "【实战演练】{a}性能优化",
)

DOWNLOAD_USERS = ("weixin_38595689", "zenmoore", "qq_42103779", "weixin_43787043", "u012345678")

ICONS_BY_KIND = {
    "doc": ("PDF", "PDF", "PDF", "DOC", "PPT", "TXT"),
    "download": ("ZIP", "ZIP", "RAR", "PDF", "7Z"),
    "column": ("UNKNOWN",),
    "answer": ("UNKNOWN",),
}

IMAGE_ALTS = ("示意图", "结构图", "运行结果", "screenshot")

EXTERNAL_LINKS = (
    ("https://docs.python.org/3/", "Python官方文档"),
    ("https://pytorch.org/docs/stable/index.html", "PyTorch文档"),
    ("https://huggingface.co/docs/transformers", "Transformers文档"),
    ("https://git-scm.com/docs", "Git手册"),
)

INLINE_CODE = ("pip install {pkg}", "model.eval()", "df.dropna()", "git stash", "torch.no_grad()")

PACKAGES = ("transformers", "pandas", "numpy", "torch", "openpyxl", "requests")
